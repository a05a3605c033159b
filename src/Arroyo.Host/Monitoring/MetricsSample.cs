namespace Arroyo.Host.Monitoring;

/// <summary>The counters of one subtask of one node at one moment (totals since the run started).</summary>
public sealed record SubtaskSnapshot(
    int NodeId,
    int Subtask,
    long MessagesReceived,
    long MessagesSent,
    long BytesReceived,
    long BytesSent,
    long BatchesReceived,
    long BatchesSent,
    long DeserializationErrors,
    long? WatermarkNanos,
    int QueueDepth,
    int QueueCapacity,
    long StateBytes);

/// <summary>Every subtask's counters read at <paramref name="At"/>.</summary>
public sealed record MetricsSample(DateTimeOffset At, IReadOnlyList<SubtaskSnapshot> Subtasks);

/// <summary>
/// What a subtask did between two samples, per second, and where it stands at the later one.
/// <see cref="Backpressure"/> is 0..1: how full the queues it sends into are (1: its consumers
/// cannot keep up and it is blocked); <see cref="WatermarkLag"/> is wall-clock time minus its
/// watermark (null before its first watermark, zero once it reached the end of its input).
/// </summary>
public sealed record SubtaskRates(
    int NodeId,
    int Subtask,
    double MessagesReceivedPerSecond,
    double MessagesSentPerSecond,
    double BytesReceivedPerSecond,
    double BytesSentPerSecond,
    double Backpressure,
    TimeSpan? WatermarkLag,
    SubtaskSnapshot Totals);

/// <summary>One node's subtasks added up (rates and totals summed, watermark the lowest, lag and backpressure the highest).</summary>
public sealed record OperatorRates(
    int NodeId,
    double MessagesReceivedPerSecond,
    double MessagesSentPerSecond,
    double BytesReceivedPerSecond,
    double BytesSentPerSecond,
    double Backpressure,
    long? WatermarkNanos,
    TimeSpan? WatermarkLag,
    long MessagesReceived,
    long MessagesSent,
    long BytesReceived,
    long BytesSent,
    long StateBytes,
    IReadOnlyList<SubtaskRates> Subtasks);

/// <summary>The rates of every node over one sampling interval, ending at <paramref name="At"/>.</summary>
public sealed record RatesSample(DateTimeOffset At, IReadOnlyList<OperatorRates> Operators);
