using Arroyo.Core.Types;
using Arroyo.Core;

namespace Arroyo.Formats.Json;

/// <summary>Writes chosen columns of a row as one JSON object with precomputed keys.</summary>
internal sealed class JsonRowWriter
{
    private readonly int[] _columns;
    private readonly byte[][] _keys;
    private readonly JsonValueWriter _values;

    public JsonRowWriter(Schema schema, int[] columns, TimestampFormat timestamps)
    {
        _columns = columns;
        _keys = columns.Select(c => JsonText.Key(schema[c].Name)).ToArray();
        _values = new JsonValueWriter(timestamps);
    }

    public void Write(ByteBuffer output, Batch batch, int row)
    {
        output.Write((byte)'{');
        for (var i = 0; i < _columns.Length; i++)
        {
            if (i > 0) output.Write((byte)',');
            output.Write(_keys[i]);
            _values.Write(output, batch.Columns[_columns[i]], row);
        }
        output.Write((byte)'}');
    }
}
