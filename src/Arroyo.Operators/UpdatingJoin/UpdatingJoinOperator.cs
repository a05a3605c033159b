using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core.Time;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.UpdatingJoin;

/// <summary>
/// Runs an <see cref="UpdatingJoinSpec"/> (inner): each side's rows are kept per key; an arriving
/// row joins the other side's stored rows at once. A retraction removes one equal stored row and
/// emits retracted join rows. Rows older than the TTL (watermark − TTL) are dropped on ticks.
/// Stored rows stay in the batches they arrived in (<see cref="StoredRows"/>); output columns are
/// gathered a column at a time (<see cref="ColumnGather"/>).
/// State tables <c>updating_join_left</c> / <c>updating_join_right</c>: _key_hash, then the stored
/// rows, one batch per stored input batch, in arrival order (so per key in arrival order).
/// Checkpoints are incremental while no stored row was removed (no retraction nor TTL expiry
/// since the last one): the previous checkpoint's files are listed again and only the batches
/// that arrived since are written, which a restore appends in the order written. Otherwise,
/// at a run's first checkpoint, and after <see cref="MaxDeltas"/> deltas, the whole table.
/// </summary>
public sealed class UpdatingJoinOperator : IOperator
{
    private static readonly string[] s_tables = ["updating_join_left", "updating_join_right"];

    /// <summary>Incremental checkpoints at most in a row before a full one, which bounds the files a restore opens.</summary>
    public const int MaxDeltas = 16;

    private readonly UpdatingJoinSpec _spec;
    private readonly int[][] _keys;
    private readonly Schema[] _inputs;
    private readonly KeyCodec[] _codecs;
    private readonly KeyCodec[] _rowCodecs;
    // One table for both sides: a key's group holds a chain of stored rows per side, so an
    // arriving row finds its matches and its own chain with one lookup.
    private readonly GroupTable _table = new();
    private readonly StoredRows[] _rows = [new(), new()];
    private readonly int[][] _userColumns;
    private long _watermark = long.MinValue;

    // Per side: whether this instance wrote the table at a checkpoint yet (a chain never starts
    // from what was restored), and the incremental checkpoints since its last full one.
    private readonly bool[] _chainStarted = new bool[2];
    private readonly int[] _deltas = new int[2];

    // Per side, no stored row is older than this (a lower bound: removals do not raise it).
    // Lets a tick skip scanning the whole state when nothing can have expired yet.
    private readonly long[] _oldest = [long.MaxValue, long.MaxValue];

    // Pairs of the batch being joined: the arriving row and the other side's stored row.
    private int[] _pairInput = new int[256];
    private int[] _pairSlot = new int[256];
    private int[] _pairRow = new int[256];

    public UpdatingJoinOperator(UpdatingJoinSpec spec)
    {
        if (spec.Kind != JoinKind.Inner) throw new NotSupportedException("can't handle non-inner joins without windows");
        _spec = spec;
        _keys = [spec.LeftKeys.ToArray(), spec.RightKeys.ToArray()];
        _inputs = [spec.LeftInput, spec.RightInput];
        _codecs = [new KeyCodec(_keys[0]), new KeyCodec(_keys[1])];
        _userColumns = _inputs.Select(s => Enumerable.Range(0, s.Count).Where(i => !JoinOutput.IsMeta(s[i])).ToArray()).ToArray();
        _rowCodecs = _userColumns.Select(c => new KeyCodec(c)).ToArray();
    }

    public void Open(OperatorContext context)
    {
        for (var side = 0; side < 2; side++)
        {
            foreach (var stored in context.State.ReadTable(s_tables[side]))
            {
                if (stored.RowCount == 0) continue;
                var batch = FromState(stored, _inputs[side]);
                var hashes = StateBatches.Hashes(batch, _keys[side]);
                var slot = _rows[side].AddBatch(batch, ZeroColumns.Of(batch));
                for (var r = 0; r < batch.RowCount; r++) Store(side, hashes[r], batch, slot, r);
                _rows[side].ReleaseIfEmpty(slot);
            }
        }
    }

    /// <summary>
    /// A state table batch: _key_hash, then the stored rows' columns except those holding only
    /// zero values (<see cref="ZeroColumns"/>), named c{index} (_timestamp keeps its name).
    /// </summary>
    private static Batch ToState(Batch batch, ulong zeroColumns, int[] keys)
    {
        var hashes = StateBatches.Hashes(batch, keys);
        var fields = new List<Field> { StateBatches.KeyHashField };
        var columns = new List<Column> { new PrimitiveColumn<ulong>(DataType.UInt64, hashes, batch.RowCount) };
        for (var c = 0; c < batch.Columns.Length; c++)
        {
            var field = batch.Schema[c];
            if (ZeroColumns.Has(zeroColumns, c) && ZeroColumns.Make(batch.Columns[c].Type, 0) is not null) continue;
            fields.Add(field.Name == Schema.TimestampFieldName ? field : field with { Name = $"c{c}" });
            columns.Add(batch.Columns[c]);
        }
        return new Batch(new Schema(fields), columns.ToArray(), batch.RowCount);
    }

    /// <summary>Reads a batch written by <see cref="ToState"/> back into the input schema.</summary>
    private static Batch FromState(Batch stored, Schema input)
    {
        var columns = new Column?[input.Count];
        for (var i = 1; i < stored.Columns.Length; i++)
        {
            var name = stored.Schema[i].Name;
            var c = name == Schema.TimestampFieldName ? input.TimestampIndex : int.Parse(name.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            columns[c] = stored.Columns[i];
        }
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] ??= ZeroColumns.Make(input[c].Type, stored.RowCount)
                ?? throw new InvalidDataException($"state table of the updating join lacks column {c}");
        }
        return new Batch(input, columns!, stored.RowCount);
    }

    private void Store(int side, ulong hash, Batch batch, int slot, int row) =>
        Store(side, Group(hash, _codecs[side].Encode(batch.Columns, row)), batch, slot, row);

    private int Group(ulong hash, ReadOnlySpan<byte> key)
    {
        var g = _table.FindOrAdd(hash, key, out var added);
        if (added)
        {
            _rows[0].NewGroup(g);
            _rows[1].NewGroup(g);
        }
        return g;
    }

    private void Store(int side, int group, Batch batch, int slot, int row)
    {
        _rows[side].Append(group, slot, row);
        var time = batch.Timestamps.Values[row];
        if (time < _oldest[side]) _oldest[side] = time;
    }

    /// <summary>Forgets <paramref name="group"/> once neither side stores a row of it.</summary>
    private void RemoveIfEmpty(int group)
    {
        if (_rows[0].First(group) < 0 && _rows[1].First(group) < 0) _table.Remove(group);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        if (batch.RowCount == 0) return;
        var other = 1 - input;
        var hashes = StateBatches.Hashes(batch, _keys[input]);
        var retractions = batch.Retractions;
        var stored = _rows[other];
        var pairs = 0;
        var slot = -1;
        var zeroColumns = ZeroColumns.Of(batch);
        for (var r = 0; r < batch.RowCount; r++)
        {
            if (JoinOutput.AnyNull(batch.Columns, _keys[input], r)) continue;
            var retract = retractions is not null && retractions.Values[r];
            var key = _codecs[input].Encode(batch.Columns, r);
            var g = retract ? _table.Find(hashes[r], key) : Group(hashes[r], key);
            if (g >= 0)
            {
                for (var h = stored.First(g); h >= 0; h = stored.Next(h))
                {
                    if (pairs == _pairInput.Length)
                    {
                        Array.Resize(ref _pairInput, pairs * 2);
                        Array.Resize(ref _pairSlot, pairs * 2);
                        Array.Resize(ref _pairRow, pairs * 2);
                    }
                    _pairInput[pairs] = r;
                    _pairSlot[pairs] = stored.SlotOf(h);
                    _pairRow[pairs] = stored.RowOf(h);
                    pairs++;
                }
            }
            if (retract)
            {
                if (g >= 0) RemoveEqual(input, g, batch, r);
            }
            else
            {
                if (slot < 0) slot = _rows[input].AddBatch(batch, zeroColumns);
                Store(input, g, batch, slot, r);
            }
        }
        if (slot >= 0) _rows[input].ReleaseIfEmpty(slot);
        if (pairs > 0) Emit(batch, zeroColumns, input, pairs, output);
    }

    private void RemoveEqual(int side, int g, Batch batch, int row)
    {
        var stored = _rows[side];
        var target = _rowCodecs[side].Encode(batch.Columns, row).ToArray();
        var previous = -1;
        for (var h = stored.First(g); h >= 0; previous = h, h = stored.Next(h))
        {
            if (!_rowCodecs[side].Encode(stored.BatchOf(h).Columns, stored.RowOf(h)).SequenceEqual(target)) continue;
            if (stored.Remove(g, h, previous)) RemoveIfEmpty(g);
            break;
        }
    }

    private void Emit(Batch batch, ulong zeroColumns, int input, int pairs, IOutput output)
    {
        var outputSchema = _spec.Output;
        var columns = new Column[outputSchema.Count];
        var inputRows = _pairInput.AsSpan(0, pairs);
        var slots = _pairSlot.AsSpan(0, pairs);
        var rows = _pairRow.AsSpan(0, pairs);
        var stored = _rows[1 - input];
        // Columns that hold only zero values in every batch the stored rows come from.
        var storedZero = ulong.MaxValue;
        var previousSlot = -1;
        foreach (var slot in slots)
        {
            if (slot == previousSlot) continue;
            previousSlot = slot;
            storedZero &= stored.ZeroMask(slot);
        }
        var position = 0;
        for (var side = 0; side < 2; side++)
        {
            foreach (var c in _userColumns[side])
            {
                var type = outputSchema[position].Type;
                var zero = side == input ? zeroColumns : storedZero;
                if (ZeroColumns.Has(zero, c) && _inputs[side][c].Type.Equals(type) && ZeroColumns.Make(type, pairs) is { } zeros)
                {
                    columns[position] = zeros;
                }
                else if (side == input)
                {
                    var column = batch.Columns[c];
                    columns[position] = column.Type.Equals(type) ? column.Take(inputRows) : ViaBuilder(type, column, inputRows);
                }
                else
                {
                    columns[position] = ColumnGather.Gather(type, stored.SlotBatch, c, slots, rows);
                }
                position++;
            }
        }
        var retractions = batch.Retractions;
        if (outputSchema.RetractIndex >= 0)
        {
            var retract = new bool[pairs];
            if (retractions is not null)
            {
                for (var i = 0; i < pairs; i++) retract[i] = retractions.Values[inputRows[i]];
            }
            columns[outputSchema.RetractIndex] = new PrimitiveColumn<bool>(outputSchema[outputSchema.RetractIndex].Type, retract, pairs);
        }
        var times = GC.AllocateUninitializedArray<long>(pairs);
        var inputTimes = batch.Timestamps.Values;
        var lastSlot = -1;
        long[] storedTimes = [];
        for (var i = 0; i < pairs; i++)
        {
            if (slots[i] != lastSlot)
            {
                lastSlot = slots[i];
                storedTimes = stored.SlotBatch(lastSlot).Timestamps.Values;
            }
            times[i] = Math.Max(inputTimes[inputRows[i]], storedTimes[rows[i]]);
        }
        columns[outputSchema.TimestampIndex] = new PrimitiveColumn<long>(outputSchema[outputSchema.TimestampIndex].Type, times, pairs);
        output.Emit(new Batch(outputSchema, columns, pairs));
    }

    private static Column ViaBuilder(DataType type, Column column, ReadOnlySpan<int> rows)
    {
        var builder = ColumnBuilder.Create(type, rows.Length);
        foreach (var r in rows) builder.AppendFrom(column, r);
        return builder.Build();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle) _watermark = Math.Max(_watermark, watermark.Time);
        output.EmitWatermark(watermark);
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_watermark == long.MinValue || _watermark == long.MaxValue) return;
        var cutoff = _watermark - Nanoseconds.From(_spec.Ttl);
        for (var side = 0; side < 2; side++)
        {
            if (_oldest[side] >= cutoff) continue;
            var oldest = long.MaxValue;
            var stored = _rows[side];
            var emptied = new List<int>();
            foreach (var g in _table.Groups())
            {
                var previous = -1;
                for (var h = stored.First(g); h >= 0;)
                {
                    var next = stored.Next(h);
                    var time = stored.BatchOf(h).Timestamps.Values[stored.RowOf(h)];
                    if (time < cutoff)
                    {
                        if (stored.Remove(g, h, previous)) emptied.Add(g);
                    }
                    else
                    {
                        oldest = Math.Min(oldest, time);
                        previous = h;
                    }
                    h = next;
                }
            }
            foreach (var g in emptied) RemoveIfEmpty(g);
            _oldest[side] = oldest;
        }
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        for (var side = 0; side < 2; side++)
        {
            var table = s_tables[side];
            var stored = _rows[side];
            // Stored rows only ever join the end of a chain, so while none was removed the rows
            // written at the last checkpoint are all still stored, in the same order: this
            // checkpoint can list those files again and add the batches that came since.
            var full = !_chainStarted[side] || stored.RemovedSinceWritten || !state.CanKeepPrevious(table) || _deltas[side] >= MaxDeltas;
            if (!full) state.KeepPrevious(table);
            // Batches with rows that are not stored (removed, or never stored: retractions and
            // NULL keys) are rewritten to their stored rows, so each batch is written as it is.
            stored.Compact();
            foreach (var slot in full ? stored.SlotsInOrder() : stored.SlotsSinceWritten())
            {
                state.WriteTable(table, ToState(stored.SlotBatch(slot), stored.ZeroMask(slot), _keys[side]));
            }
            stored.MarkWritten();
            _chainStarted[side] = true;
            _deltas[side] = full ? 0 : _deltas[side] + 1;
        }
    }
}
