using System.Diagnostics;
using Arroyo.Connectors.Builtin.Pacing;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;

namespace Arroyo.Connectors.Builtin.Impulse;

/// <summary>
/// One impulse subtask: counts from 0 at event_rate / parallelism events per second.
/// Rate limiting compares the events emitted with the wall time since the (re)start, so it
/// never sleeps per event: each poll emits what is due (at most a batch; fewer only once they
/// have waited <see cref="RatePacing.MaxWaitNanos"/>) and reports Idle otherwise, letting the
/// runtime wait.
/// Restore rule: state is one row per old subtask (its counter and start time); new subtask
/// i continues old subtask i's counter, new subtasks without a row start from 0, and rows of
/// old subtasks beyond the new parallelism are dropped (as the reference, whose state is
/// keyed by subtask index).
/// </summary>
internal sealed class ImpulseSource : ISource
{
    internal const string StateTable = "i";

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("subtask", DataType.UInt64, false),
        new Field("counter", DataType.UInt64, false),
        new Field("start_time", DataType.Timestamp, false),
    ]);

    private readonly ImpulseConfig _config;
    private readonly Schema _output;
    private readonly int _batchSize;
    private readonly ulong _limit;
    private readonly double _eventsPerSecond;
    private int _subtask;
    private ulong _counter;
    private long _startNanos;
    private ulong _counterAtResume;
    private long _resumeTimestamp;

    public ImpulseSource(ImpulseConfig config, Schema output, OperatorContext context)
    {
        _config = config;
        _output = output;
        _batchSize = Math.Max(1, context.Settings.BatchSize);
        _limit = config.MessageCount is { } count ? (ulong)count : ulong.MaxValue;
        _eventsPerSecond = config.EventRate / context.Parallelism;
        _subtask = context.SubtaskIndex;
    }

    internal ulong Counter => _counter;

    public void Open(OperatorContext context)
    {
        _subtask = context.SubtaskIndex;
        _startNanos = Timestamps.Now();
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var subtasks = (PrimitiveColumn<ulong>)batch.Columns[1];
            var counters = (PrimitiveColumn<ulong>)batch.Columns[2];
            var starts = (PrimitiveColumn<long>)batch.Columns[3];
            for (var r = 0; r < batch.RowCount; r++)
            {
                if (subtasks[r] != (ulong)_subtask) continue;
                _counter = counters[r];
                _startNanos = starts[r];
            }
        }
        if (_counter > 0) context.Log($"restored at counter {_counter}");
        _counterAtResume = _counter;
        _resumeTimestamp = Stopwatch.GetTimestamp();
    }

    public SourceStatus Poll(IOutput output)
    {
        if (_counter >= _limit) return SourceStatus.Finished;
        var n = (ulong)_batchSize;
        if (_eventsPerSecond > 0 && !double.IsInfinity(_eventsPerSecond))
        {
            var elapsed = Stopwatch.GetElapsedTime(_resumeTimestamp).TotalSeconds;
            var due = (ulong)Math.Min(elapsed * _eventsPerSecond + 1, 1e18);
            var emitted = _counter - _counterAtResume;
            // Event number e since the resume is due once e / rate seconds have passed.
            var waitedNanos = (long)Math.Min((elapsed - emitted / _eventsPerSecond) * 1e9, long.MaxValue);
            n = due > emitted && RatePacing.ShouldEmit(due - emitted, n, _limit - _counter, waitedNanos) ? Math.Min(due - emitted, n) : 0;
        }
        n = Math.Min(n, _limit - _counter);
        if (n == 0) return SourceStatus.Idle;
        output.Emit(BuildBatch((int)n));
        return _counter >= _limit ? SourceStatus.Finished : SourceStatus.Continue;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        var columns = new Column[]
        {
            new PrimitiveColumn<ulong>(DataType.UInt64, [KeyHasher.HashString("impulse-" + _subtask)]),
            new PrimitiveColumn<ulong>(DataType.UInt64, [(ulong)_subtask]),
            new PrimitiveColumn<ulong>(DataType.UInt64, [_counter]),
            new PrimitiveColumn<long>(DataType.Timestamp, [_startNanos]),
        };
        state.WriteTable(StateTable, new Batch(s_stateSchema, columns, 1));
    }

    private Batch BuildBatch(int n)
    {
        var counters = new ulong[n];
        var subtasks = new ulong[n];
        var times = new long[n];
        var first = _counter;
        for (var i = 0; i < n; i++) counters[i] = first + (ulong)i;
        Array.Fill(subtasks, (ulong)_subtask);
        if (_config.EventTimeInterval is { } interval)
        {
            for (var i = 0; i < n; i++) times[i] = _startNanos + (long)(first + (ulong)i) * interval;
        }
        else
        {
            Array.Fill(times, Timestamps.Now());
        }
        _counter += (ulong)n;

        var columns = new Column[_output.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var name = _output[c].Name;
            columns[c] = name switch
            {
                "counter" => new PrimitiveColumn<ulong>(DataType.UInt64, counters),
                "subtask_index" => new PrimitiveColumn<ulong>(DataType.UInt64, subtasks),
                Schema.TimestampFieldName => new PrimitiveColumn<long>(DataType.Timestamp, times),
                _ => throw new InvalidOperationException($"impulse source has no column '{name}' (this is a bug)"),
            };
        }
        return new Batch(_output, columns, n);
    }
}
