using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions;
using Arroyo.Expressions.Windows;
using Arroyo.Operators.Grouping;

namespace Arroyo.Operators.UpdatingTopN;

/// <summary>
/// Runs an <see cref="UpdatingTopNSpec"/>: per partition, the live rows in order; after each
/// input batch the partitions it touched are renumbered and only the difference to what they
/// emitted before goes out (retractions first), so downstream always holds, per partition, the
/// rows within the limit with their current numbers.
/// Rows are kept boxed (one <c>object?[]</c> each, input columns without <c>_is_retract</c>):
/// partitions are small (the limit bounds them over append-only input), and a checkpoint writes them
/// back as columns. State table <c>updating_top_n_rows</c>: _key_hash (of the partition columns),
/// then the live rows in the input's schema (<c>_is_retract</c> false). What was emitted is not
/// stored: every touched partition is flushed before its batch ends, so at a barrier it equals the
/// numbering of the stored rows, which a restore recomputes.
/// </summary>
public sealed class UpdatingTopNOperator : IOperator
{
    public const string TableName = "updating_top_n_rows";

    private readonly UpdatingTopNSpec _spec;
    private readonly int[] _partition;
    private readonly int[] _rowColumns;
    private readonly Arroyo.Expressions.Windows.WindowFunction[] _functions;
    private readonly BoxedRowOrder _order;
    private readonly KeyCodec _codec;
    private readonly Dictionary<byte[], Partition> _partitions = new(BytesComparer.Instance);
    private readonly List<Partition> _touched = [];
    private readonly bool _appendOnly;
    // A row strictly after the last kept one can be dropped on arrival (row_number, rank: its
    // number would exceed the limit); dense_rank may still fit, so it is always inserted.
    private readonly bool _dropPastLimit;
    private readonly object?[] _keysOnly;

    private sealed class Partition(ulong hash, byte[] key)
    {
        public ulong Hash { get; } = hash;
        public byte[] Key { get; } = key;
        public List<object?[]> Rows { get; } = [];
        public List<(object?[] Row, ulong[] Values)> Emitted { get; set; } = [];
        public bool Touched { get; set; }
    }

    public UpdatingTopNOperator(UpdatingTopNSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _partition = spec.PartitionColumns.ToArray();
        _rowColumns = Enumerable.Range(0, spec.Input.Count).Where(i => i != spec.Input.RetractIndex).ToArray();
        _functions = spec.Functions.Select(functions.Windows.Resolve).ToArray();
        _order = new BoxedRowOrder(spec.OrderBy, _rowColumns);
        _codec = new KeyCodec(_partition);
        _appendOnly = !spec.Input.IsUpdating;
        _dropPastLimit = _appendOnly && spec.Limit is not null && spec.Functions[spec.LimitFunction].Name is "row_number" or "rank";
        _keysOnly = new object?[_rowColumns.Length];
    }

    public void Open(OperatorContext context)
    {
        foreach (var stored in context.State.ReadTable(TableName))
        {
            var batch = StateBatches.WithoutKeyHash(stored, _spec.Input);
            var keyHashes = ((PrimitiveColumn<ulong>)stored.Columns[0]).Values;
            for (var r = 0; r < batch.RowCount; r++) PartitionOf(batch, r, keyHashes[r]).Rows.Add(Box(batch, r));
        }
        // Downstream holds the numbering of the restored rows (see the class comment).
        foreach (var p in _partitions.Values)
        {
            p.Rows.Sort(_order);
            p.Emitted = Number(p);
        }
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var hashes = StateBatches.Hashes(batch, _partition);
        var retracts = batch.Schema.RetractIndex >= 0 ? ((PrimitiveColumn<bool>)batch.Columns[batch.Schema.RetractIndex]).Values : null;
        for (var r = 0; r < batch.RowCount; r++)
        {
            var partition = PartitionOf(batch, r, hashes[r]);
            // Over append-only input most rows of a full partition fall past the limit: that is
            // decided on their ORDER BY values alone, before the whole row (its strings above all)
            // is boxed.
            if (retracts is null && PastLimit(partition, batch, r))
            {
                if (partition.Rows.Count == 0 && !partition.Touched) _partitions.Remove(partition.Key);
                continue;
            }
            var row = Box(batch, r);
            if (retracts is not null && retracts[r]) Remove(partition, row);
            else Insert(partition, row);
            if (!partition.Touched)
            {
                partition.Touched = true;
                _touched.Add(partition);
            }
        }
        Flush(output);
    }

    private Partition PartitionOf(Batch batch, int row, ulong hash)
    {
        var key = _codec.Encode(batch.Columns, row);
        var lookup = _partitions.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(key, out var partition))
        {
            partition = new Partition(hash, key.ToArray());
            _partitions[partition.Key] = partition;
        }
        return partition;
    }

    private object?[] Box(Batch batch, int row)
    {
        var values = new object?[_rowColumns.Length];
        for (var i = 0; i < values.Length; i++) values[i] = batch.Columns[_rowColumns[i]].GetValue(row);
        return values;
    }

    /// <summary>
    /// Whether row <paramref name="r"/> sorts after the last kept row of a full partition, so its
    /// number would exceed the limit (row_number, rank over append-only input): it is dropped.
    /// Only the ORDER BY slots of the scratch row are filled, which is all CompareKeys reads.
    /// </summary>
    private bool PastLimit(Partition partition, Batch batch, int r)
    {
        var rows = partition.Rows;
        if (!_dropPastLimit || rows.Count < _spec.Limit) return false;
        if (rows.Count == 0) return true; // a limit below 1 keeps nothing
        foreach (var slot in _order.KeySlots) _keysOnly[slot] = batch.Columns[_rowColumns[slot]].GetValue(r);
        return _order.CompareKeys(_keysOnly, rows[^1]) > 0;
    }

    private void Insert(Partition partition, object?[] row)
    {
        var rows = partition.Rows;
        var index = rows.BinarySearch(row, _order);
        rows.Insert(index < 0 ? ~index : index, row);
    }

    private static void Remove(Partition partition, object?[] row)
    {
        // A retraction names a row by its values; any equal live row is the one it retracts.
        var index = partition.Rows.FindIndex(r => BoxedRowOrder.RowEquals(r, row));
        if (index >= 0) partition.Rows.RemoveAt(index);
    }

    /// <summary>The rows within the limit with their function values, in order.</summary>
    private List<(object?[] Row, ulong[] Values)> Number(Partition partition)
    {
        var rows = partition.Rows;
        var numbered = new List<(object?[], ulong[])>();
        ulong rank = 0, denseRank = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var rowNumber = (ulong)i + 1;
            if (i == 0 || _order.CompareKeys(rows[i - 1], rows[i]) != 0)
            {
                rank = rowNumber;
                denseRank++;
            }
            var position = new RowPosition(rowNumber, rank, denseRank);
            var values = new ulong[_functions.Length];
            for (var f = 0; f < values.Length; f++) values[f] = _functions[f].Evaluate(position);
            // Every ranking function grows along the order: past the limit, so is every later row.
            if (_spec.Limit is { } limit && values[_spec.LimitFunction] > (ulong)Math.Max(0, limit)) break;
            numbered.Add((rows[i], values));
        }
        return numbered;
    }

    private void Flush(IOutput output)
    {
        if (_touched.Count == 0) return;
        var builders = _spec.Output.Fields.Select(f => ColumnBuilder.Create(f.Type)).ToArray();
        var count = 0;
        foreach (var partition in _touched)
        {
            partition.Touched = false;
            var next = Number(partition);
            var previous = partition.Emitted;
            foreach (var old in previous)
            {
                if (!next.Any(n => SameEntry(n, old))) Append(builders, old, retract: true, ref count);
            }
            foreach (var entry in next)
            {
                if (!previous.Any(o => SameEntry(o, entry))) Append(builders, entry, retract: false, ref count);
            }
            partition.Emitted = next;
            if (_appendOnly && _spec.Limit is not null && partition.Rows.Count > next.Count)
            {
                // Append-only: a row past the limit never comes back (class comment of the spec).
                partition.Rows.RemoveRange(next.Count, partition.Rows.Count - next.Count);
            }
            if (partition.Rows.Count == 0) _partitions.Remove(partition.Key);
        }
        _touched.Clear();
        if (count == 0) return;
        output.Emit(new Batch(_spec.Output, builders.Select(b => b.Build()).ToArray(), count));
    }

    private static bool SameEntry((object?[] Row, ulong[] Values) a, (object?[] Row, ulong[] Values) b) =>
        ReferenceEquals(a.Row, b.Row) && a.Values.AsSpan().SequenceEqual(b.Values);

    private void Append(ColumnBuilder[] builders, (object?[] Row, ulong[] Values) entry, bool retract, ref int count)
    {
        var user = _spec.Input.Count - (_spec.Input.IsUpdating ? 2 : 1);
        var timestampSlot = Array.IndexOf(_rowColumns, _spec.Input.TimestampIndex);
        var b = 0;
        for (var i = 0; i < _rowColumns.Length; i++)
        {
            if (i == timestampSlot) continue;
            builders[b++].AppendObject(entry.Row[i]);
        }
        foreach (var v in entry.Values) ((PrimitiveColumnBuilder<ulong>)builders[b++]).Append(v);
        ((PrimitiveColumnBuilder<bool>)builders[b++]).Append(retract);
        builders[b].AppendObject(entry.Row[timestampSlot]);
        System.Diagnostics.Debug.Assert(b - 1 - _functions.Length == user, "output = user fields, functions, _is_retract, _timestamp");
        count++;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        var builders = _spec.Input.Fields.Select(f => ColumnBuilder.Create(f.Type)).ToArray();
        var hashes = new List<ulong>();
        void WriteChunk()
        {
            if (hashes.Count == 0) return;
            var columns = new Column[builders.Length + 1];
            columns[0] = new PrimitiveColumn<ulong>(DataType.UInt64, hashes.ToArray());
            for (var i = 0; i < builders.Length; i++) columns[i + 1] = builders[i].Build();
            var fields = new List<Field> { StateBatches.KeyHashField };
            fields.AddRange(_spec.Input.Fields.Select((f, i) => f.Name == Schema.TimestampFieldName ? f : f with { Name = $"c{i}" }));
            state.WriteTable(TableName, new Batch(new Schema(fields), columns, hashes.Count));
            hashes.Clear();
        }
        foreach (var partition in _partitions.Values)
        {
            foreach (var row in partition.Rows)
            {
                var slot = 0;
                for (var c = 0; c < builders.Length; c++)
                {
                    if (c == _spec.Input.RetractIndex) builders[c].AppendObject(false);
                    else builders[c].AppendObject(row[slot++]);
                }
                hashes.Add(partition.Hash);
                if (hashes.Count == ChunkedBatchBuilder.RowsPerBatch) WriteChunk();
            }
        }
        WriteChunk();
    }

    /// <summary>Byte-wise equality of encoded partition keys, looked up by span without copying.</summary>
    private sealed class BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly BytesComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
