using System.Buffers;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions.Aggregates;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Engine.Tests.Operators.Legacy;

/// <summary>
/// The implementation before the 2026-11-24 q4 rewrite, kept verbatim as a test oracle: the
/// rewritten operator must emit exactly the same rows in the same order.
/// </summary>
internal sealed class LegacyUpdatingAggregateOperator : IOperator
{
    public const string TableName = "updating_aggregates";

    private readonly UpdatingAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly AggregateSet _aggregates;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    private readonly HashSet<int> _changed = [];
    private long[] _rowCounts = [];
    private long[] _lastTime = [];
    private object?[]?[] _emitted = [];
    private long[] _emittedTime = [];
    private long _watermark = long.MinValue;
    private long _lastFlush = long.MinValue;
    private TimeSpan _flushInterval;

    public LegacyUpdatingAggregateOperator(UpdatingAggregateSpec spec)
    {
        _spec = spec;
        _keys = spec.KeyColumns.ToArray();
        _aggregates = new AggregateSet(spec.Aggregates, spec.Input, spec.Input.IsUpdating);
        _codec = new KeyCodec(_keys);
    }

    public void Open(OperatorContext context)
    {
        _flushInterval = _spec.FlushInterval ?? context.Settings.UpdateAggregateFlushInterval;
        var restoreCodec = new KeyCodec(Enumerable.Range(1, _keys.Length).ToArray());
        var n = _keys.Length;
        foreach (var batch in context.State.ReadTable(TableName))
        {
            var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
            for (var r = 0; r < batch.RowCount; r++)
            {
                var g = Add(hashes.Values[r], restoreCodec.Encode(batch.Columns, r));
                _rowCounts[g] = ((PrimitiveColumn<long>)batch.Columns[1 + n]).Values[r];
                _lastTime[g] = ((PrimitiveColumn<long>)batch.Columns[2 + n]).Values[r];
                var emitted = ((PrimitiveColumn<bool>)batch.Columns[3 + n]).Values[r];
                _emittedTime[g] = ((PrimitiveColumn<long>)batch.Columns[4 + n]).Values[r];
                for (var a = 0; a < _aggregates.Count; a++)
                {
                    _aggregates.Deserialize(g, a, ((StringColumn)batch.Columns[5 + n + a]).GetBytes(r));
                }
                if (emitted)
                {
                    var values = new object?[_aggregates.Count];
                    for (var a = 0; a < values.Length; a++)
                    {
                        var blob = ((StringColumn)batch.Columns[5 + n + _aggregates.Count + a]).GetBytes(r).ToArray();
                        using var reader = new BinaryReader(new MemoryStream(blob));
                        values[a] = ValueCodec.Read(reader, _spec.Aggregates[a].ResultType);
                    }
                    _emitted[g] = values;
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
            }
            _aggregates.Clear(g);
            _rowCounts[g] = 0;
            _lastTime[g] = long.MinValue;
            _emitted[g] = null;
        }
        return g;
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
                _changed.Add(g);
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
        if (_lastFlush != long.MinValue && nowNanos - _lastFlush < _flushInterval.Ticks * 100) return;
        _lastFlush = nowNanos;
        Flush(output);
        Expire();
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        Flush(output);
        var n = _keys.Length;
        var fields = new List<Field> { StateBatches.KeyHashField };
        fields.AddRange(StateBatches.KeyFields(_spec.Input, _keys));
        fields.Add(new Field("rows", DataType.Int64, false));
        fields.Add(new Field("last_time", DataType.Timestamp, false));
        fields.Add(new Field("emitted", DataType.Boolean, false));
        fields.Add(new Field("emitted_time", DataType.Timestamp, false));
        fields.AddRange(_spec.Aggregates.Select((_, i) => new Field($"a{i}", DataType.Binary, false)));
        fields.AddRange(_spec.Aggregates.Select((_, i) => new Field($"p{i}", DataType.Binary, false)));
        var schema = new Schema(fields);
        var builders = schema.Fields.Select(f => ColumnBuilder.Create(f.Type, 256)).ToArray();
        var keyBuilders = builders[1..(1 + n)];
        var rows = 0;
        foreach (var g in _groups.Groups())
        {
            ((PrimitiveColumnBuilder<ulong>)builders[0]).Append(_groups.HashOf(g));
            KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
            ((PrimitiveColumnBuilder<long>)builders[1 + n]).Append(_rowCounts[g]);
            ((PrimitiveColumnBuilder<long>)builders[2 + n]).Append(_lastTime[g]);
            ((PrimitiveColumnBuilder<bool>)builders[3 + n]).Append(_emitted[g] is not null);
            ((PrimitiveColumnBuilder<long>)builders[4 + n]).Append(_emittedTime[g]);
            for (var a = 0; a < _aggregates.Count; a++)
            {
                ((StringColumnBuilder)builders[5 + n + a]).Append(_aggregates.Serialize(g, a));
                using var stream = new MemoryStream();
                using (var writer = new BinaryWriter(stream))
                {
                    ValueCodec.Write(writer, _spec.Aggregates[a].ResultType, _emitted[g]?[a]);
                }
                ((StringColumnBuilder)builders[5 + n + _aggregates.Count + a]).Append(stream.ToArray());
            }
            rows++;
        }
        if (rows > 0) state.WriteTable(TableName, new Batch(schema, builders.Select(b => b.Build()).ToArray(), rows));
    }

    public void OnEnd(IOutput output) => Flush(output);

    private void Flush(IOutput output)
    {
        if (_changed.Count == 0) return;
        var output_ = _spec.Output;
        var builders = output_.Fields.Select(f => ColumnBuilder.Create(f.Type, _changed.Count * 2)).ToArray();
        var n = _keys.Length;
        var keyBuilders = builders[..n];
        var retractBuilder = (PrimitiveColumnBuilder<bool>)builders[output_.RetractIndex];
        var timestampBuilder = (PrimitiveColumnBuilder<long>)builders[output_.TimestampIndex];
        var scratch = _spec.Aggregates.Select(a => ColumnBuilder.Create(a.ResultType, 1)).ToArray();
        var rows = 0;
        var changed = _changed.ToArray();
        Array.Sort(changed);
        foreach (var g in changed)
        {
            var previous = _emitted[g];
            object?[]? current = null;
            if (_rowCounts[g] > 0)
            {
                _aggregates.Evaluate(g, scratch, 0);
                current = scratch.Select(b => b.Build().GetValue(0)).ToArray();
                if (previous is not null && previous.Zip(current).All(p => Equals(p.First, p.Second))) continue;
            }
            if (previous is not null)
            {
                KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
                for (var a = 0; a < previous.Length; a++) builders[n + a].AppendObject(previous[a]);
                retractBuilder.Append(true);
                timestampBuilder.Append(_emittedTime[g]);
                rows++;
            }
            if (current is not null)
            {
                KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
                for (var a = 0; a < current.Length; a++) builders[n + a].AppendObject(current[a]);
                retractBuilder.Append(false);
                timestampBuilder.Append(_lastTime[g]);
                rows++;
                _emitted[g] = current;
                _emittedTime[g] = _lastTime[g];
            }
            else
            {
                // The group is empty: forget it.
                _aggregates.Clear(g);
                _groups.Remove(g);
                _emitted[g] = null;
            }
        }
        _changed.Clear();
        if (rows > 0) output.Emit(new Batch(output_, builders.Select(b => b.Build()).ToArray(), rows));
    }

    // Keys not updated for the TTL (in event time) are forgotten without output, as the reference's expiring state.
    // The +∞ watermark of end of input is not time passing: upstream updating operators still
    // flush their last changes after it, and those must meet the state they update.
    private void Expire()
    {
        if (_watermark == long.MinValue || _watermark == long.MaxValue || _spec.Ttl <= TimeSpan.Zero) return;
        var cutoff = _watermark - _spec.Ttl.Ticks * 100;
        List<int>? expired = null;
        foreach (var g in _groups.Groups())
        {
            if (_lastTime[g] < cutoff && !_changed.Contains(g)) (expired ??= []).Add(g);
        }
        if (expired is null) return;
        foreach (var g in expired)
        {
            _aggregates.Clear(g);
            _groups.Remove(g);
            _emitted[g] = null;
        }
    }
}
