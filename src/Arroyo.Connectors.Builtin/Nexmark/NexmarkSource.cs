using System.Diagnostics;
using Arroyo.Core.Columns;
using Arroyo.Connectors.Builtin.Pacing;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow;
using Arroyo.Execution;

namespace Arroyo.Connectors.Builtin.Nexmark;

/// <summary>
/// One Nexmark subtask. A fresh run splits the stream into one split per subtask; the
/// splits (with their positions) are what checkpoints store, each under the hash of its
/// index, and a restore hands split j to subtask j mod parallelism — so a restore at another
/// parallelism neither loses nor repeats events (a subtask may then drive several splits).
/// Pacing follows event time: an event is emitted once the wall time since the (re)start has
/// reached its place in the sequence; at high rates this simply yields full batches, and at
/// lower ones a batch waits briefly to fill (<see cref="RatePacing"/>).
/// </summary>
internal sealed class NexmarkSource : ISource
{
    internal const string StateTable = "s";

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("split", DataType.Int64, false),
        new Field("first_event_id", DataType.UInt64, false),
        new Field("max_events", DataType.UInt64, false),
        new Field("inter_event_delay", DataType.Int64, false),
        new Field("base_time", DataType.Timestamp, false),
        new Field("count", DataType.UInt64, false),
    ]);

    private readonly NexmarkConfig _config;
    private readonly NexmarkBatchBuilder _builder;
    private readonly int _eventsPerPoll;
    private List<NexmarkSplit> _splits = [];
    private ulong[] _countAtResume = [];
    private long _resumeTimestamp;

    public NexmarkSource(NexmarkConfig config, Schema output, OperatorContext context, ColumnUsage? usage = null)
    {
        _config = config;
        _builder = new NexmarkBatchBuilder(output, usage, context.SourceBuffersReusable);
        // Events per poll: a batch size of rows, more events when some kinds are not produced.
        _eventsPerPoll = _builder.EventsFor(Math.Max(1, context.Settings.BatchSize));
    }

    /// <summary>Total events of the whole stream (all subtasks).</summary>
    internal static ulong MaxEvents(NexmarkConfig config) =>
        config.MessageCount is { } count ? (ulong)count
        : config.Runtime is { } runtime ? (ulong)Math.Floor(config.EventRate * runtime)
        : NexmarkGenerator.UnboundedMaxEvents;

    public void Open(OperatorContext context)
    {
        var restored = new List<NexmarkSplit>();
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            for (var r = 0; r < batch.RowCount; r++)
            {
                var split = new NexmarkSplit(
                    (int)((PrimitiveColumn<long>)batch.Columns[1])[r],
                    ((PrimitiveColumn<ulong>)batch.Columns[2])[r],
                    ((PrimitiveColumn<ulong>)batch.Columns[3])[r],
                    ((PrimitiveColumn<long>)batch.Columns[4])[r],
                    ((PrimitiveColumn<long>)batch.Columns[5])[r])
                {
                    Count = ((PrimitiveColumn<ulong>)batch.Columns[6])[r],
                };
                restored.Add(split);
            }
        }
        if (restored.Count > 0)
        {
            _splits = restored.Where(s => s.Index % context.Parallelism == context.SubtaskIndex).OrderBy(s => s.Index).ToList();
            context.Log($"restored splits {string.Join(", ", _splits.Select(s => $"{s.Index}@{s.Count}"))}");
        }
        else
        {
            var all = NexmarkSplit.Create(_config.EventRate, MaxEvents(_config), context.Parallelism, Timestamps.Now());
            _splits = [all[context.SubtaskIndex]];
        }
        _countAtResume = _splits.Select(s => s.Count).ToArray();
        _resumeTimestamp = Stopwatch.GetTimestamp();
    }

    public SourceStatus Poll(IOutput output)
    {
        var elapsedNanos = Nanoseconds.From(Stopwatch.GetElapsedTime(_resumeTimestamp));
        var anyLeft = false;
        var emitted = false;
        for (var i = 0; i < _splits.Count; i++)
        {
            var split = _splits[i];
            if (!split.HasNext) continue;
            anyLeft = true;
            var delay = Math.Max(1, split.InterEventDelay);
            var due = _countAtResume[i] + (ulong)(elapsedNanos / delay) + 1;
            if (due <= split.Count) continue;
            // Event number c is due once (c − the count at resume) delays have passed.
            var waited = elapsedNanos - (long)(split.Count - _countAtResume[i]) * delay;
            var left = split.MaxEvents - split.Count;
            if (!RatePacing.ShouldEmit(due - split.Count, (ulong)_eventsPerPoll, left, waited)) continue;
            var n = (int)Math.Min(Math.Min(due - split.Count, (ulong)_eventsPerPoll), left);
            var batch = _builder.Generate(split, n);
            // Empty when none of the n events is of a kind the query reads.
            if (batch.RowCount > 0) output.Emit(batch);
            emitted = true;
        }
        if (!anyLeft) return SourceStatus.Finished;
        return emitted ? SourceStatus.Continue : SourceStatus.Idle;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_splits.Count == 0) return;
        var n = _splits.Count;
        var columns = new Column[]
        {
            new PrimitiveColumn<ulong>(DataType.UInt64, _splits.Select(s => KeyHasher.HashString("nexmark-" + s.Index)).ToArray()),
            new PrimitiveColumn<long>(DataType.Int64, _splits.Select(s => (long)s.Index).ToArray()),
            new PrimitiveColumn<ulong>(DataType.UInt64, _splits.Select(s => s.FirstEventId).ToArray()),
            new PrimitiveColumn<ulong>(DataType.UInt64, _splits.Select(s => s.MaxEvents).ToArray()),
            new PrimitiveColumn<long>(DataType.Int64, _splits.Select(s => s.InterEventDelay).ToArray()),
            new PrimitiveColumn<long>(DataType.Timestamp, _splits.Select(s => s.BaseTime).ToArray()),
            new PrimitiveColumn<ulong>(DataType.UInt64, _splits.Select(s => s.Count).ToArray()),
        };
        state.WriteTable(StateTable, new Batch(s_stateSchema, columns, n));
    }
}
