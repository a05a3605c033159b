using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Builtin.External;

/// <summary>The reference's other connectors with their main option names (planning only).</summary>
public static class ExternalConnectors
{
    private const ConnectorRoles SourceAndSink = ConnectorRoles.Source | ConnectorRoles.Sink;

    public static IEnumerable<IConnector> All =>
    [
        new ExternalConnector("redis", ConnectorRoles.Sink | ConnectorRoles.Lookup, ["address"],
            ["cluster.addresses", "connection_type", "username", "password", "target", "target.key_prefix", "target.key_column",
             "target.field_column", "target.list_prefix", "target.hash_key", "target.operation", "target.max_length"],
            ["target."], new Dictionary<string, DataType> { ["key"] = DataType.Utf8 }, CheckRedisLookup),
        new ExternalConnector("mqtt", SourceAndSink, ["url"],
            ["topic", "qos", "client_prefix", "username", "password", "retain", "max_packet_size", "sink.retain", "sink.qos"],
            ["tls."], new Dictionary<string, DataType> { ["topic"] = DataType.Utf8 }),
        new ExternalConnector("nats", SourceAndSink, [],
            ["servers", "subject", "stream", "connector_type", "auth.type", "auth.username", "auth.password", "auth.token"],
            ["consumer.", "auth.", "source.", "sink."]),
        new ExternalConnector("webhook", ConnectorRoles.Sink, ["endpoint"], ["headers"]),
        new ExternalConnector("sse", ConnectorRoles.Source, ["endpoint"], ["events", "headers"]),
        new ExternalConnector("websocket", ConnectorRoles.Source, ["endpoint"], ["headers", "subscription_message", "subscription_messages"],
            ["subscription_messages."]),
        new ExternalConnector("polling_http", ConnectorRoles.Source, ["endpoint"],
            ["headers", "method", "body", "poll_interval_ms", "emit_behavior"]),
        new ExternalConnector("rabbitmq", SourceAndSink, [],
            ["host", "port", "username", "password", "virtual_host", "stream", "source.offset", "tls_config", "load_balancer_mode"],
            ["tls."]),
        new ExternalConnector("kinesis", SourceAndSink, ["stream_name"],
            ["aws_region", "source.offset", "sink.batch_max_buffer_size", "sink.batch_flush_interval_millis", "sink.records_per_batch"]),
        new ExternalConnector("fluvio", SourceAndSink, ["topic"], ["endpoint", "source.offset"]),
        new ExternalConnector("preview", ConnectorRoles.Sink, [], []),
    ];

    private static void CheckRedisLookup(OptionReader options, TableDefinition definition, TableRole? role)
    {
        if (role != TableRole.Lookup) return;
        var hasKey = definition.MetadataColumns.Any(m =>
            m.Key == "key" && definition.PrimaryKey.Any(p => string.Equals(p, m.Field.Name, StringComparison.OrdinalIgnoreCase)));
        if (!hasKey)
        {
            throw new UserException(
                "Redis lookup tables must have a PRIMARY KEY field defined as `field_name TEXT METADATA FROM 'key'`",
                definition.Span);
        }
    }
}
