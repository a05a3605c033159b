using Arroyo.Expressions;
using System.Buffers;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core.Time;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.UpdatingAggregate;

/// <summary>
/// Runs an <see cref="UpdatingAggregateSpec"/>: per-key accumulators; changed keys are emitted
/// as retraction + new row at each flush (tick interval, checkpoint, end of input).
/// A flush evaluates every changed group into one column per aggregate and compares it with the
/// last emitted values, kept unboxed per aggregate (<see cref="EmittedValues"/>).
/// State table <c>updating_aggregates</c>: _key_hash, k0…, rows, last_time, emitted (BOOLEAN), emitted_time,
/// a0… (accumulator blobs), p0… (previously emitted values: of the result type for fixed-width
/// results, else <see cref="Arroyo.Expressions.Aggregates.ValueCodec"/> blobs).
/// </summary>
public sealed class UpdatingAggregateOperator : IOperator
{
    public const string TableName = "updating_aggregates";

    private readonly UpdatingAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly AggregateSet _aggregates;
    private readonly EmittedValues[] _emittedValues;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    private long[] _rowCounts = [];
    private long[] _lastTime = [];
    private bool[] _emitted = [];
    private long[] _emittedTime = [];
    private bool[] _isChanged = [];
    private int[] _changed = new int[64];
    private int _changedCount;
    private long _watermark = long.MinValue;
    private long _lastFlush = long.MinValue;
    private long _flushIntervalNanos;

    public UpdatingAggregateOperator(UpdatingAggregateSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _keys = spec.KeyColumns.ToArray();
        _aggregates = new AggregateSet(spec.Aggregates, spec.Input, functions.Aggregates, spec.Input.IsUpdating, updatingAggregate: true);
        _emittedValues = spec.Aggregates.Select(a => EmittedValues.Create(a.ResultType)).ToArray();
        _codec = new KeyCodec(_keys);
    }

    public void Open(OperatorContext context)
    {
        _flushIntervalNanos = Nanoseconds.From(_spec.FlushInterval ?? context.Settings.UpdateAggregateFlushInterval);
        var restoreCodec = new KeyCodec(Enumerable.Range(1, _keys.Length).ToArray());
        var n = _keys.Length;
        var count = _aggregates.Count;
        foreach (var batch in context.State.ReadTable(TableName))
        {
            var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
            var rowCounts = ((PrimitiveColumn<long>)batch.Columns[1 + n]).Values;
            var lastTimes = ((PrimitiveColumn<long>)batch.Columns[2 + n]).Values;
            var emitted = ((PrimitiveColumn<bool>)batch.Columns[3 + n]).Values;
            var emittedTimes = ((PrimitiveColumn<long>)batch.Columns[4 + n]).Values;
            var blobs = new StringColumn[count];
            var streams = new MemoryStream[count];
            var readers = new BinaryReader[count];
            for (var a = 0; a < count; a++)
            {
                blobs[a] = (StringColumn)batch.Columns[5 + n + a];
                streams[a] = new MemoryStream(blobs[a].Data, writable: false);
                readers[a] = new BinaryReader(streams[a]);
            }
            for (var r = 0; r < batch.RowCount; r++)
            {
                var g = Add(hashes.Values[r], restoreCodec.Encode(batch.Columns, r));
                _rowCounts[g] = rowCounts[r];
                _lastTime[g] = lastTimes[r];
                _emittedTime[g] = emittedTimes[r];
                for (var a = 0; a < count; a++)
                {
                    streams[a].Position = blobs[a].Offsets[r];
                    _aggregates.Read(g, a, readers[a]);
                }
                if (emitted[r])
                {
                    _emitted[g] = true;
                    for (var a = 0; a < count; a++) _emittedValues[a].ReadState(g, batch.Columns[5 + n + count + a], r);
                }
            }
        }
    }

    private int Add(ulong hash, ReadOnlySpan<byte> key)
    {
        var g = _groups.FindOrAdd(hash, key, out var added);
        if (added)
        {
            var capacity = _groups.Capacity;
            _aggregates.EnsureCapacity(capacity);
            if (capacity > _rowCounts.Length)
            {
                var size = Math.Max(capacity, _rowCounts.Length * 2);
                Array.Resize(ref _rowCounts, size);
                Array.Resize(ref _lastTime, size);
                Array.Resize(ref _emitted, size);
                Array.Resize(ref _emittedTime, size);
                Array.Resize(ref _isChanged, size);
                foreach (var e in _emittedValues) e.EnsureCapacity(size);
            }
            _aggregates.Clear(g);
            _rowCounts[g] = 0;
            _lastTime[g] = long.MinValue;
            _emitted[g] = false;
        }
        return g;
    }

    private void MarkChanged(int g)
    {
        if (_isChanged[g]) return;
        _isChanged[g] = true;
        if (_changedCount == _changed.Length) Array.Resize(ref _changed, _changedCount * 2);
        _changed[_changedCount++] = g;
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        var hashes = ArrayPool<ulong>.Shared.Rent(rows);
        var groups = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, _keys, hashes);
            var retractions = batch.Retractions;
            var timestamps = batch.Timestamps.Values;
            for (var r = 0; r < rows; r++)
            {
                var g = Add(hashes[r], _codec.Encode(batch.Columns, r));
                groups[r] = g;
                _rowCounts[g] += retractions is not null && retractions.Values[r] ? -1 : 1;
                if (timestamps[r] > _lastTime[g]) _lastTime[g] = timestamps[r];
                MarkChanged(g);
            }
            var retract = retractions is null ? default : retractions.Values.AsSpan(0, rows);
            _aggregates.Update(batch, groups.AsSpan(0, rows), retract);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<int>.Shared.Return(groups);
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle) _watermark = Math.Max(_watermark, watermark.Time);
        output.EmitWatermark(watermark);
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_lastFlush != long.MinValue && nowNanos - _lastFlush < _flushIntervalNanos) return;
        _lastFlush = nowNanos;
        Flush(output);
        Expire();
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        Flush(output);
        if (_groups.Count == 0) return;
        var n = _keys.Length;
        var count = _aggregates.Count;
        var fields = new List<Field> { StateBatches.KeyHashField };
        fields.AddRange(StateBatches.KeyFields(_spec.Input, _keys));
        fields.Add(new Field("rows", DataType.Int64, false));
        fields.Add(new Field("last_time", DataType.Timestamp, false));
        fields.Add(new Field("emitted", DataType.Boolean, false));
        fields.Add(new Field("emitted_time", DataType.Timestamp, false));
        fields.AddRange(_spec.Aggregates.Select((_, i) => new Field($"a{i}", DataType.Binary, false)));
        fields.AddRange(_emittedValues.Select((e, i) => new Field($"p{i}", e.StateType, true)));
        var schema = new Schema(fields);
        var capacity = _groups.Count;
        var hashes = new PrimitiveColumnBuilder<ulong>(DataType.UInt64, capacity);
        var keyBuilders = StateBatches.KeyFields(_spec.Input, _keys).Select(f => ColumnBuilder.Create(f.Type, capacity)).ToArray();
        var rowCounts = new PrimitiveColumnBuilder<long>(DataType.Int64, capacity);
        var lastTimes = new PrimitiveColumnBuilder<long>(DataType.Timestamp, capacity);
        var emitted = new PrimitiveColumnBuilder<bool>(DataType.Boolean, capacity);
        var emittedTimes = new PrimitiveColumnBuilder<long>(DataType.Timestamp, capacity);
        var blobs = Enumerable.Range(0, count).Select(_ => new StringColumnBuilder(DataType.Binary, capacity)).ToArray();
        var previous = _emittedValues.Select(e => ColumnBuilder.Create(e.StateType, capacity)).ToArray();
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        var rows = 0;
        foreach (var g in _groups.Groups())
        {
            hashes.Append(_groups.HashOf(g));
            KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
            rowCounts.Append(_rowCounts[g]);
            lastTimes.Append(_lastTime[g]);
            emitted.Append(_emitted[g]);
            emittedTimes.Append(_emittedTime[g]);
            for (var a = 0; a < count; a++)
            {
                stream.SetLength(0);
                _aggregates.Write(g, a, writer);
                writer.Flush();
                blobs[a].Append(stream.GetBuffer().AsSpan(0, (int)stream.Length));
                _emittedValues[a].WriteState(g, _emitted[g], previous[a]);
            }
            rows++;
        }
        var columns = new List<Column> { hashes.Build() };
        columns.AddRange(keyBuilders.Select(b => b.Build()));
        columns.Add(rowCounts.Build());
        columns.Add(lastTimes.Build());
        columns.Add(emitted.Build());
        columns.Add(emittedTimes.Build());
        columns.AddRange(blobs.Select(b => b.Build()));
        columns.AddRange(previous.Select(b => b.Build()));
        state.WriteTable(TableName, new Batch(schema, columns.ToArray(), rows));
    }

    public void OnEnd(IOutput output) => Flush(output);

    private void Flush(IOutput output)
    {
        if (_changedCount == 0) return;
        var changed = _changed.AsSpan(0, _changedCount);
        changed.Sort();
        var count = _aggregates.Count;
        var changedCount = _changedCount;

        // The current values of every changed group that still has rows, one column per aggregate.
        var evaluated = _spec.Aggregates.Select(a => ColumnBuilder.Create(a.ResultType, changedCount)).ToArray();
        foreach (var g in changed)
        {
            if (_rowCounts[g] > 0) _aggregates.Evaluate(g, evaluated, 0);
        }
        var current = evaluated.Select(b => b.Build()).ToArray();

        var output_ = _spec.Output;
        var builders = output_.Fields.Select(f => ColumnBuilder.Create(f.Type, changedCount * 2)).ToArray();
        var n = _keys.Length;
        var keyBuilders = builders[..n];
        var retractBuilder = (PrimitiveColumnBuilder<bool>)builders[output_.RetractIndex];
        var timestampBuilder = (PrimitiveColumnBuilder<long>)builders[output_.TimestampIndex];
        var sameType = new bool[count];
        for (var a = 0; a < count; a++) sameType[a] = builders[n + a].Type.Equals(current[a].Type);
        var rows = 0;
        var row = -1;
        foreach (var g in changed)
        {
            _isChanged[g] = false;
            var previous = _emitted[g];
            var hasRows = _rowCounts[g] > 0;
            if (hasRows)
            {
                row++;
                if (previous && Unchanged(g, current, row)) continue;
            }
            if (previous)
            {
                KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
                for (var a = 0; a < count; a++) _emittedValues[a].AppendTo(g, builders[n + a]);
                retractBuilder.Append(true);
                timestampBuilder.Append(_emittedTime[g]);
                rows++;
            }
            if (hasRows)
            {
                KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
                for (var a = 0; a < count; a++)
                {
                    if (sameType[a]) builders[n + a].AppendFrom(current[a], row);
                    else builders[n + a].AppendObject(current[a].GetValue(row));
                    _emittedValues[a].Set(g, current[a], row);
                }
                retractBuilder.Append(false);
                timestampBuilder.Append(_lastTime[g]);
                rows++;
                _emitted[g] = true;
                _emittedTime[g] = _lastTime[g];
            }
            else
            {
                // The group is empty: forget it.
                _aggregates.Clear(g);
                _groups.Remove(g);
                _emitted[g] = false;
                for (var a = 0; a < count; a++) _emittedValues[a].Clear(g);
            }
        }
        _changedCount = 0;
        if (rows > 0) output.Emit(new Batch(output_, builders.Select(b => b.Build()).ToArray(), rows));
    }

    private bool Unchanged(int g, Column[] current, int row)
    {
        for (var a = 0; a < current.Length; a++)
        {
            if (!_emittedValues[a].EqualTo(g, current[a], row)) return false;
        }
        return true;
    }

    // Keys not updated for the TTL (in event time) are forgotten without output, as the reference's expiring state.
    // The +∞ watermark of end of input is not time passing: upstream updating operators still
    // flush their last changes after it, and those must meet the state they update.
    private void Expire()
    {
        if (_watermark == long.MinValue || _watermark == long.MaxValue || _spec.Ttl <= TimeSpan.Zero) return;
        var cutoff = _watermark - Nanoseconds.From(_spec.Ttl);
        List<int>? expired = null;
        foreach (var g in _groups.Groups())
        {
            if (_lastTime[g] < cutoff && !_isChanged[g]) (expired ??= []).Add(g);
        }
        if (expired is null) return;
        foreach (var g in expired)
        {
            _aggregates.Clear(g);
            _groups.Remove(g);
            _emitted[g] = false;
            foreach (var e in _emittedValues) e.Clear(g);
        }
    }
}
