using Arroyo.Dataflow;
using Arroyo.Execution;

namespace Arroyo.Host.Monitoring;

/// <summary>
/// Reads every subtask's counters once per interval (a second by default) and keeps the rates
/// of the last few minutes, for the dashboard's charts, the REST API and the progress line.
/// Reading is a few hundred atomic loads per interval: nothing on the data path changes.
/// Thread-safe.
/// </summary>
public sealed class PipelineMonitor : IDisposable
{
    /// <summary>Five minutes of one-second samples.</summary>
    public const int HistoryLength = 300;

    // Queue depth is read at one instant per interval; a running average keeps one lucky
    // moment from repainting a node.
    private const double BackpressureSmoothing = 0.5;

    private readonly DataflowGraph _graph;
    private readonly Func<IReadOnlyList<SubtaskMetrics>> _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly object _lock = new();
    private readonly Queue<RatesSample> _history = new();
    private readonly Dictionary<(int Node, int Subtask), double> _backpressure = [];
    private MetricsSample? _previous;
    private ITimer? _timer;

    public PipelineMonitor(DataflowGraph graph, Func<IReadOnlyList<SubtaskMetrics>> metrics, TimeProvider time, TimeSpan? interval = null)
    {
        _graph = graph;
        _metrics = metrics;
        _time = time;
        _interval = interval ?? TimeSpan.FromSeconds(1);
    }

    public TimeSpan Interval => _interval;

    /// <summary>The rates over the last interval; null before the second sample.</summary>
    public RatesSample? Latest
    {
        get
        {
            lock (_lock) return _history.Count == 0 ? null : _history.Last();
        }
    }

    /// <summary>The rates of the last <see cref="HistoryLength"/> intervals, oldest first.</summary>
    public IReadOnlyList<RatesSample> History
    {
        get
        {
            lock (_lock) return _history.ToArray();
        }
    }

    /// <summary>Every subtask's counters now.</summary>
    public MetricsSample Read()
    {
        var subtasks = _metrics().Select(m => new SubtaskSnapshot(
            m.NodeId, m.SubtaskIndex, m.MessagesReceived, m.MessagesSent, m.BytesReceived, m.BytesSent,
            m.BatchesReceived, m.BatchesSent, m.DeserializationErrors, m.Watermark, m.QueueDepth, m.QueueCapacity, m.StateBytes)).ToList();
        return new MetricsSample(_time.GetUtcNow(), subtasks);
    }

    public void Start()
    {
        _timer ??= _time.CreateTimer(_ => SampleNow(), null, _interval, _interval);
    }

    /// <summary>Takes a sample now and adds the rates since the previous one to the history.</summary>
    public void SampleNow()
    {
        var sample = Read();
        lock (_lock)
        {
            var previous = _previous;
            _previous = sample;
            if (previous is null || sample.At <= previous.At) return;
            _history.Enqueue(Rates(previous, sample));
            while (_history.Count > HistoryLength) _history.Dequeue();
        }
    }

    public void Dispose() => _timer?.Dispose();

    // Under _lock: updates the smoothed backpressure.
    private RatesSample Rates(MetricsSample before, MetricsSample after)
    {
        var seconds = (after.At - before.At).TotalSeconds;
        var earlier = before.Subtasks.ToDictionary(s => (s.NodeId, s.Subtask));
        var byKey = after.Subtasks.ToDictionary(s => (s.NodeId, s.Subtask));
        var nowNanos = (after.At - DateTimeOffset.UnixEpoch).Ticks * 100;
        var subtaskRates = new List<SubtaskRates>();
        foreach (var s in after.Subtasks)
        {
            var b = earlier.GetValueOrDefault((s.NodeId, s.Subtask)) ?? s with { MessagesReceived = 0, MessagesSent = 0, BytesReceived = 0, BytesSent = 0 };
            var pressure = Backpressure(s.NodeId, s.Subtask, byKey, depth: 0);
            var smoothed = _backpressure.TryGetValue((s.NodeId, s.Subtask), out var old)
                ? old * BackpressureSmoothing + pressure * (1 - BackpressureSmoothing)
                : pressure;
            _backpressure[(s.NodeId, s.Subtask)] = smoothed;
            subtaskRates.Add(new SubtaskRates(s.NodeId, s.Subtask,
                (s.MessagesReceived - b.MessagesReceived) / seconds,
                (s.MessagesSent - b.MessagesSent) / seconds,
                (s.BytesReceived - b.BytesReceived) / seconds,
                (s.BytesSent - b.BytesSent) / seconds,
                smoothed,
                Lag(s.WatermarkNanos, nowNanos),
                s));
        }
        var operators = subtaskRates.GroupBy(r => r.NodeId).Select(g =>
        {
            var list = g.OrderBy(r => r.Subtask).ToList();
            var watermark = list.All(r => r.Totals.WatermarkNanos is not null) ? list.Min(r => r.Totals.WatermarkNanos) : null;
            return new OperatorRates(g.Key,
                list.Sum(r => r.MessagesReceivedPerSecond), list.Sum(r => r.MessagesSentPerSecond),
                list.Sum(r => r.BytesReceivedPerSecond), list.Sum(r => r.BytesSentPerSecond),
                list.Max(r => r.Backpressure), watermark, Lag(watermark, nowNanos),
                list.Sum(r => r.Totals.MessagesReceived), list.Sum(r => r.Totals.MessagesSent),
                list.Sum(r => r.Totals.BytesReceived), list.Sum(r => r.Totals.BytesSent),
                list.Sum(r => r.Totals.StateBytes), list);
        }).OrderBy(o => o.NodeId).ToList();
        return new RatesSample(after.At, operators);
    }

    private static TimeSpan? Lag(long? watermarkNanos, long nowNanos)
    {
        if (watermarkNanos is not { } w) return null;
        // The end of input moves the watermark to the end of time: nothing is behind any more.
        if (w >= nowNanos) return TimeSpan.Zero;
        return TimeSpan.FromTicks((nowNanos - w) / 100);
    }

    /// <summary>
    /// How full the queues are that subtask <paramref name="subtask"/> of <paramref name="nodeId"/>
    /// sends into: a consumer over a forward edge is the same subtask index, over a shuffle or
    /// broadcast any of them (the fullest counts, since one full queue blocks the sender). A
    /// consumer chained to it has no queue of its own: it is blocked when that consumer is.
    /// </summary>
    private double Backpressure(int nodeId, int subtask, Dictionary<(int, int), SubtaskSnapshot> byKey, int depth)
    {
        if (depth > _graph.Nodes.Count) return 0;
        var worst = 0.0;
        foreach (var edge in _graph.OutputsOf(nodeId))
        {
            var targets = edge.Kind == EdgeKind.Forward
                ? byKey.TryGetValue((edge.Target, subtask), out var t) ? [t] : []
                : byKey.Values.Where(s => s.NodeId == edge.Target).ToList();
            foreach (var target in targets)
            {
                var fullness = target.QueueCapacity > 0
                    ? Math.Clamp((double)target.QueueDepth / target.QueueCapacity, 0, 1)
                    : Backpressure(target.NodeId, target.Subtask, byKey, depth + 1);
                worst = Math.Max(worst, fullness);
            }
        }
        return worst;
    }
}
