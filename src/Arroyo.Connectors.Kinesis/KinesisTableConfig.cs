namespace Arroyo.Connectors.Kinesis;

/// <summary><c>source.offset</c>: where a shard without restored state starts.</summary>
public enum KinesisStartOffset
{
    Latest,
    Earliest,
}

/// <summary>
/// A kinesis table's validated settings with the reference's defaults. Credentials and the
/// endpoint come from the AWS environment, as in the reference (no options for them).
/// </summary>
public sealed record KinesisTableConfig(string StreamName, bool IsSource) : ConnectorConfig
{
    /// <summary>Null: the AWS environment's region (AWS_REGION, AWS_DEFAULT_REGION).</summary>
    public string? Region { get; init; }

    public KinesisStartOffset StartOffset { get; init; } = KinesisStartOffset.Latest;

    /// <summary><c>sink.flush_interval_millis</c>.</summary>
    public long FlushIntervalMillis { get; init; } = 1000;

    /// <summary><c>sink.max_bytes_per_batch</c>.</summary>
    public long MaxBytesPerBatch { get; init; } = 4_000_000;

    /// <summary><c>sink.max_records_per_batch</c>.</summary>
    public long MaxRecordsPerBatch { get; init; } = 500;
}
