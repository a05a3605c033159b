using System.Globalization;

namespace Arroyo.Connectors.Kinesis;

/// <summary>
/// One shard a source subtask owns and where it stands. <see cref="Position"/> is what is
/// checkpointed, as text: <c>trim</c> (from the oldest record), <c>time:MILLIS</c> (records
/// that arrived from then on: how <c>source.offset = 'latest'</c> is made exact across a
/// restore before any record was read), <c>after:SEQUENCE</c> (after the last record
/// emitted), or <c>closed</c> (a shard closed by resharding and read to its end).
/// </summary>
internal sealed class KinesisShard(string id, string? parent, string? adjacentParent, string position)
{
    public const string Trim = "trim";
    public const string Closed = "closed";

    public string Id { get; } = id;

    public string? Parent { get; } = parent;

    public string? AdjacentParent { get; } = adjacentParent;

    public string Position { get; set; } = position;

    /// <summary>The current shard iterator; null when one must be asked for (start, expired, after an error).</summary>
    public string? Iterator { get; set; }

    public DateTime NextRead { get; set; }

    public bool IsClosed => Position == Closed;

    public static string AtTime(DateTimeOffset time) => "time:" + time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static string After(string sequence) => "after:" + sequence;
}
