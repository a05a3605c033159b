namespace Arroyo.Web.Api;

// The REST API's bodies. Field names follow the reference's API types (crates/arroyo-rpc/src/
// api_types: snake_case, times in microseconds since the epoch) where it has them; fields it
// does not have are additions for a single running pipeline and say so.

/// <summary>A list, as the reference wraps its collections.</summary>
public sealed record Collection<T>(IReadOnlyList<T> Data, bool HasMore = false);

public sealed record PipelineNode(int NodeId, string Operator, string Description, int Parallelism);

/// <param name="EdgeType">forward, shuffle or broadcast.</param>
/// <param name="KeyColumns">Addition: the key column indices of a shuffle.</param>
public sealed record PipelineEdge(int SrcId, int DestId, string KeyType, string ValueType, string EdgeType, IReadOnlyList<int> KeyColumns);

public sealed record PipelineGraph(IReadOnlyList<PipelineNode> Nodes, IReadOnlyList<PipelineEdge> Edges);

/// <param name="State">Addition: starting, running, stopping, finished or failed.</param>
/// <param name="Parallelism">Addition: subtasks per operator.</param>
/// <param name="StartTime">Addition: when this run started (µs).</param>
/// <param name="RestoredEpoch">Addition: the checkpoint this run resumed from.</param>
public sealed record Pipeline(
    string Id,
    string Name,
    string Query,
    long CheckpointIntervalMicros,
    string Stop,
    long CreatedAt,
    string ActionText,
    bool ActionInProgress,
    PipelineGraph Graph,
    bool Preview,
    string? StateUrl,
    IReadOnlyDictionary<string, string> Tags,
    string State,
    int Parallelism,
    long StartTime,
    long? RestoredEpoch);

/// <summary>The body of <c>PATCH /api/v1/pipelines/{id}</c>: <c>{"stop": "checkpoint"}</c> stops after a final checkpoint.</summary>
public sealed record PipelinePatch(string? Stop);

public sealed record FailureReason(string Error, string Domain);

public sealed record Job(
    string Id,
    string PipelineId,
    bool RunningDesired,
    string State,
    long RunId,
    long? StartTime,
    long? FinishTime,
    long? Tasks,
    FailureReason? FailureReason,
    long CreatedAt);

/// <param name="Level">info, warn or error.</param>
public sealed record JobLogMessage(string Id, long CreatedAt, string? OperatorId, long? TaskIndex, string Level, string Message, string Details);

public sealed record CheckpointEventSpan(long StartTime, long FinishTime, string Event, string Description);

/// <param name="CheckpointType">scheduled or stopping.</param>
/// <param name="Status">Addition: in_progress, completed or failed.</param>
/// <param name="Bytes">Addition: bytes of state written.</param>
/// <param name="DurationMicros">Addition.</param>
/// <param name="Error">Addition: why it failed.</param>
public sealed record Checkpoint(
    long Epoch,
    string Backend,
    string CheckpointType,
    long StartTime,
    long? FinishTime,
    IReadOnlyList<CheckpointEventSpan> Events,
    string Status,
    long Bytes,
    long? DurationMicros,
    string? Error);

public sealed record SubtaskCheckpointGroup(int Index, long Bytes, IReadOnlyList<CheckpointEventSpan> EventSpans);

public sealed record OperatorCheckpointGroup(string OperatorId, long Bytes, long? StartedMetadataWrite, long? FinishTime, IReadOnlyList<SubtaskCheckpointGroup> Subtasks);

public sealed record Metric(long Time, double Value);

public sealed record SubtaskMetricSeries(int Index, IReadOnlyList<Metric> Metrics);

/// <param name="Name">
/// The reference's names: messages_recv, messages_sent, bytes_recv, bytes_sent (per second),
/// backpressure (0..1), tx_queue_size, tx_queue_rem; and, as an addition, watermark_lag (seconds).
/// </param>
public sealed record MetricGroup(string Name, IReadOnlyList<SubtaskMetricSeries> Subtasks);

public sealed record OperatorMetricGroup(int NodeId, IReadOnlyList<MetricGroup> MetricGroups);

/// <summary>Addition: one subtask now (totals since start, rates over the last second).</summary>
public sealed record SubtaskMetricsNow(
    int Index,
    long MessagesRecv,
    long MessagesSent,
    long BytesRecv,
    long BytesSent,
    long BatchesRecv,
    long BatchesSent,
    long DeserializationErrors,
    double MessagesRecvRate,
    double MessagesSentRate,
    double BytesRecvRate,
    double BytesSentRate,
    double Backpressure,
    long? WatermarkMicros,
    double? WatermarkLagSeconds,
    int QueueSize,
    int QueueCapacity,
    long StateBytes);

/// <summary>Addition: one operator now, its subtasks added up.</summary>
public sealed record OperatorMetricsNow(
    int NodeId,
    string Operator,
    string Description,
    int Parallelism,
    long MessagesRecv,
    long MessagesSent,
    long BytesRecv,
    long BytesSent,
    double MessagesRecvRate,
    double MessagesSentRate,
    double BytesRecvRate,
    double BytesSentRate,
    double Backpressure,
    long? WatermarkMicros,
    double? WatermarkLagSeconds,
    long StateBytes,
    IReadOnlyList<SubtaskMetricsNow> Subtasks);

public sealed record ApiError(string Error);

public sealed record HealthStatus(string Status, string? Reason = null);
