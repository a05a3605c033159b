using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Formats.Json;

namespace Arroyo.Formats.Debezium;

/// <summary>
/// An updating stream as debezium change records: an insert is
/// <c>{"before":null,"after":{…},"op":"c"}</c>, a retraction
/// <c>{"before":{…},"after":null,"op":"d"}</c>.
/// When the update keys are known, each batch is compacted per key as the reference's
/// ToDebeziumExec does (by its updating id, the key hash), in the order keys first appear:
/// first a retraction and last an insert is one <c>"op":"u"</c> with the first row before and
/// the last after; inserts only give a <c>c</c> of the last row; retractions only a <c>d</c> of
/// the first; an insert later retracted in the same batch gives nothing. Without keys every
/// row is its own c or d, which folds to the same table.
/// </summary>
internal sealed class DebeziumEncoder : RecordEncoder
{
    private readonly JsonRowWriter _rows;
    private readonly int[]? _keys;
    private ulong[] _hashes = [];
    private readonly Dictionary<ulong, int> _firstOfHash = new();
    private readonly List<Change> _changes = [];

    public DebeziumEncoder(Schema input, FormatSettings format, IReadOnlyList<int>? updateKeys) : base(input)
    {
        _rows = new JsonRowWriter(input, DataColumns, format.TimestampFormat);
        // An empty key (a global aggregate) is one key for every row.
        _keys = updateKeys?.ToArray();
    }

    public override void Encode(Batch batch, ByteBuffer output)
    {
        var retractions = batch.Retractions;
        if (_keys is null || retractions is null)
        {
            for (var row = 0; row < batch.RowCount; row++)
            {
                if (IsRetract(batch, row)) WriteDelete(output, batch, row);
                else WriteCreate(output, batch, row);
            }
            return;
        }
        Compact(batch);
        foreach (var change in _changes)
        {
            var firstIsCreate = !IsRetract(batch, change.First);
            var lastIsCreate = !IsRetract(batch, change.Last);
            if (firstIsCreate && lastIsCreate) WriteCreate(output, batch, change.Last);
            else if (!firstIsCreate && !lastIsCreate) WriteDelete(output, batch, change.First);
            else if (!firstIsCreate) WriteUpdate(output, batch, change.First, change.Last);
            // else: inserted and retracted within the batch, nothing to write.
        }
        _changes.Clear();
        _firstOfHash.Clear();
    }

    /// <summary>One entry per distinct key, in order of first appearance, with its first and last row.</summary>
    private void Compact(Batch batch)
    {
        if (_hashes.Length < batch.RowCount) _hashes = new ulong[batch.RowCount];
        var hashes = _hashes.AsSpan(0, batch.RowCount);
        KeyHasher.HashRows(batch, _keys, hashes);
        for (var row = 0; row < batch.RowCount; row++)
        {
            if (!_firstOfHash.TryGetValue(hashes[row], out var index))
            {
                _firstOfHash[hashes[row]] = _changes.Count;
                _changes.Add(new Change(row, row, -1));
                continue;
            }
            // Keys with the same hash are chained; equal keys share one change.
            while (true)
            {
                var change = _changes[index];
                if (SameKey(batch, change.First, row))
                {
                    _changes[index] = change with { Last = row };
                    break;
                }
                if (change.NextWithHash < 0)
                {
                    _changes[index] = change with { NextWithHash = _changes.Count };
                    _changes.Add(new Change(row, row, -1));
                    break;
                }
                index = change.NextWithHash;
            }
        }
    }

    private static bool IsRetract(Batch batch, int row) =>
        batch.Retractions is { } r && r.Values[row] && !r.IsNull(row);

    private bool SameKey(Batch batch, int a, int b)
    {
        foreach (var k in _keys!)
        {
            var column = batch.Columns[k];
            if (!Equals(column.GetValue(a), column.GetValue(b))) return false;
        }
        return true;
    }

    private void WriteCreate(ByteBuffer output, Batch batch, int row)
    {
        output.Write("{\"before\":null,\"after\":"u8);
        _rows.Write(output, batch, row);
        output.Write(",\"op\":\"c\"}\n"u8);
    }

    private void WriteDelete(ByteBuffer output, Batch batch, int row)
    {
        output.Write("{\"before\":"u8);
        _rows.Write(output, batch, row);
        output.Write(",\"after\":null,\"op\":\"d\"}\n"u8);
    }

    private void WriteUpdate(ByteBuffer output, Batch batch, int before, int after)
    {
        output.Write("{\"before\":"u8);
        _rows.Write(output, batch, before);
        output.Write(",\"after\":"u8);
        _rows.Write(output, batch, after);
        output.Write(",\"op\":\"u\"}\n"u8);
    }

    private readonly record struct Change(int First, int Last, int NextWithHash);
}
