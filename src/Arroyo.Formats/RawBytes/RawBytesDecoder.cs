using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Formats.RawBytes;

/// <summary>Each record is the bytes of the single BYTEA column (usually <c>value</c>), as they are.</summary>
internal sealed class RawBytesDecoder : RecordDecoder
{
    private readonly StringColumnBuilder _values;

    public RawBytesDecoder(Schema output) : base(output)
    {
        if (DataFields.Count != 1 || DataFields[0].Type.Kind != TypeKind.Binary)
        {
            throw new UserException("raw_bytes format requires a single BYTEA column (usually named value)");
        }
        _values = new StringColumnBuilder(DataFields[0].Type, 1024);
    }

    public override int RowCount => _values.Count;

    public override bool TryDecode(ReadOnlySpan<byte> record, out string? error)
    {
        _values.Append(record);
        error = null;
        return true;
    }

    protected override Column[] BuildDataColumns(out bool[]? retractions)
    {
        retractions = null;
        return [_values.Build()];
    }
}
