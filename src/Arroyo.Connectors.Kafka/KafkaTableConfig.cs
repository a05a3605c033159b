using System.Text;
using Arroyo.Connectors;

namespace Arroyo.Connectors.Kafka;

/// <summary><c>source.offset</c>: where a source without restored state starts.</summary>
public enum KafkaStartOffset
{
    Latest,
    Earliest,
    Group,
}

/// <summary>
/// A kafka (or confluent) table's validated settings. <see cref="ClientConfigs"/> holds the
/// librdkafka settings from the connection (authentication) and <c>client_configs</c>, secrets
/// included, so <see cref="PrintMembers"/> leaves them out of every printed form.
/// </summary>
public sealed record KafkaTableConfig(string Connector, string BootstrapServers, string Topic) : ConnectorConfig
{
    public IReadOnlyDictionary<string, string> ClientConfigs { get; init; } = new Dictionary<string, string>();

    public KafkaStartOffset StartOffset { get; init; } = KafkaStartOffset.Latest;

    public bool ReadCommitted { get; init; }

    public string? GroupId { get; init; }

    public string? GroupIdPrefix { get; init; }

    public bool ExactlyOnce { get; init; }

    public string? KeyField { get; init; }

    public string? TimestampField { get; init; }

    /// <summary><c>value.subject</c>: the schema registry subject (default <c>{topic}-value</c>).</summary>
    public string? ValueSubject { get; init; }

    public string Subject => ValueSubject ?? Topic + "-value";

    public string? SchemaRegistryEndpoint { get; init; }

    public string? SchemaRegistryApiKey { get; init; }

    public string? SchemaRegistryApiSecret { get; init; }

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Connector = {Connector}, BootstrapServers = {BootstrapServers}, Topic = {Topic}, StartOffset = {StartOffset}, " +
                       $"ReadCommitted = {ReadCommitted}, ExactlyOnce = {ExactlyOnce}, SchemaRegistry = {SchemaRegistryEndpoint}, client configs = [{string.Join(", ", ClientConfigs.Keys)}]");
        return true;
    }
}
