using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Formats.Json;

namespace Arroyo.Formats.Debezium;

/// <summary>
/// An updating stream as debezium change records: an insert is
/// <c>{"before":null,"after":{…},"op":"c"}</c>, a retraction
/// <c>{"before":{…},"after":null,"op":"d"}</c>. When the update keys are known, a retraction
/// directly followed by an insert of the same key becomes one <c>"op":"u"</c> record with both
/// sides (as the reference writes updates). Without keys they stay a d/c pair, which folds to
/// the same table.
/// </summary>
internal sealed class DebeziumEncoder : RecordEncoder
{
    private readonly JsonRowWriter _rows;
    private readonly int[]? _keys;

    public DebeziumEncoder(Schema input, FormatSettings format, IReadOnlyList<int>? updateKeys) : base(input)
    {
        _rows = new JsonRowWriter(input, DataColumns, format.TimestampFormat);
        _keys = updateKeys is { Count: > 0 } ? updateKeys.ToArray() : null;
    }

    public override void Encode(Batch batch, ByteBuffer output)
    {
        var retractions = batch.Retractions;
        for (var row = 0; row < batch.RowCount; row++)
        {
            var retract = retractions is not null && retractions.Values[row] && !retractions.IsNull(row);
            if (!retract)
            {
                output.Write("{\"before\":null,\"after\":"u8);
                _rows.Write(output, batch, row);
                output.Write(",\"op\":\"c\"}\n"u8);
                continue;
            }
            var next = row + 1;
            if (_keys is not null && next < batch.RowCount && !retractions!.Values[next] && SameKey(batch, row, next))
            {
                output.Write("{\"before\":"u8);
                _rows.Write(output, batch, row);
                output.Write(",\"after\":"u8);
                _rows.Write(output, batch, next);
                output.Write(",\"op\":\"u\"}\n"u8);
                row = next;
                continue;
            }
            output.Write("{\"before\":"u8);
            _rows.Write(output, batch, row);
            output.Write(",\"after\":null,\"op\":\"d\"}\n"u8);
        }
    }

    private bool SameKey(Batch batch, int a, int b)
    {
        foreach (var k in _keys!)
        {
            var column = batch.Columns[k];
            if (!Equals(column.GetValue(a), column.GetValue(b))) return false;
        }
        return true;
    }
}
