using System.Text;

namespace Arroyo.Connectors.Nats;

/// <summary><c>auth.type</c>: how the client authenticates (the reference's NatsConfig authentication).</summary>
public enum NatsAuthType
{
    None,
    Credentials,
    Jwt,
}

/// <summary>
/// A nats table's validated settings, with the reference's names and defaults. Exactly one of
/// <see cref="Stream"/> (a JetStream source) and <see cref="Subject"/> (a core NATS source, or
/// the sink's subject) is set. Credentials are kept as written (<c>{{ VAR }}</c> placeholders
/// are resolved when connecting) and left out of every printed form.
/// </summary>
public sealed record NatsTableConfig(string Servers, bool IsSource) : ConnectorConfig
{
    public NatsAuthType Auth { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Jwt { get; init; }

    public string? NkeySeed { get; init; }

    public string? Stream { get; init; }

    public string? Subject { get; init; }

    public NatsConsumerSettings Consumer { get; init; } = new();

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Servers = {Servers}, IsSource = {IsSource}, Auth = {Auth}, Stream = {Stream}, Subject = {Subject}");
        return true;
    }
}

/// <summary>The JetStream consumer's <c>consumer.*</c> options; durations in seconds, as the reference reads them.</summary>
public sealed record NatsConsumerSettings
{
    public string? Description { get; init; }

    /// <summary>explicit, none or all.</summary>
    public string AckPolicy { get; init; } = "explicit";

    /// <summary>instant or original.</summary>
    public string ReplayPolicy { get; init; } = "instant";

    public long AckWaitSeconds { get; init; } = 30;

    public IReadOnlyList<string> FilterSubjects { get; init; } = [];

    public long SampleFrequency { get; init; }

    public long NumReplicas { get; init; } = 1;

    public long InactiveThresholdSeconds { get; init; } = 600;

    /// <summary>Bits per second; -1 (the default): no limit.</summary>
    public long RateLimit { get; init; } = -1;

    public long MaxAckPending { get; init; } = -1;

    public long MaxDeliver { get; init; } = -1;

    public long MaxWaiting { get; init; } = 1_000_000;

    public long MaxBatch { get; init; } = 10_000;

    public long MaxBytes { get; init; } = 104_857_600;

    public long MaxExpiresSeconds { get; init; } = 300_000;
}
