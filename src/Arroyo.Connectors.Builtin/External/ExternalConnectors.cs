using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Builtin.External;

/// <summary>The reference's other connectors with their main option names (planning only).</summary>
public static class ExternalConnectors
{
    private const ConnectorRoles SourceAndSink = ConnectorRoles.Source | ConnectorRoles.Sink;

    private static readonly string[] s_files =
    [
        "path", "file_size", "compression", "target_file_size", "target_part_size", "max_parts", "inactivity_rollover_seconds",
        "rollover_seconds", "partition_fields", "time_partition_pattern", "source.regex_pattern", "source.regex-pattern",
        "shuffle_by_partition.enabled", "partitioning.time_pattern", "partitioning.fields", "partitioning.shuffle_by_partition.enabled",
    ];

    private static readonly string[] s_filePrefixes = ["rolling_policy.", "filename.", "multipart.", "storage.", "file_naming."];

    public static IEnumerable<IConnector> All =>
    [
        new ExternalConnector("iceberg", ConnectorRoles.Sink, [], ["table_name", "namespace", "location_path", .. s_files],
            ["catalog.", .. s_filePrefixes]),
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
}
