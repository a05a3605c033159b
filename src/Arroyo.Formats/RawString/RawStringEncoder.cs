using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Core;

namespace Arroyo.Formats.RawString;

/// <summary>Writes the text of the <c>value</c> column (or the only column) as the line; NULL rows are skipped.</summary>
internal sealed class RawStringEncoder : RecordEncoder
{
    private readonly int _column;

    public RawStringEncoder(Schema input) : base(input)
    {
        _column = input.IndexOf("value");
        if (_column < 0 && DataColumns.Length == 1) _column = DataColumns[0];
        if (_column < 0 || input[_column].Type.Kind != TypeKind.Utf8)
        {
            throw new UserException("raw_string format requires a TEXT column named value (or a single TEXT column)");
        }
    }

    public override void Encode(Batch batch, ByteBuffer output)
    {
        var values = (StringColumn)batch.Columns[_column];
        for (var row = 0; row < batch.RowCount; row++)
        {
            if (values.IsNull(row)) continue;
            output.Write(values.GetBytes(row));
            output.Write((byte)'\n');
        }
    }
}
