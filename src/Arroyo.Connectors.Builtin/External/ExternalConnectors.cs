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
        new ExternalConnector("redis", ConnectorRoles.Sink | ConnectorRoles.Lookup, ["address"],
            ["cluster.addresses", "connection_type", "username", "password", "target", "target.key_prefix", "target.key_column",
             "target.field_column", "target.list_prefix", "target.hash_key", "target.operation", "target.max_length"],
            ["target."], new Dictionary<string, DataType> { ["key"] = DataType.Utf8 }, CheckRedisLookup),
        new ExternalConnector("mqtt", SourceAndSink, ["url"],
            ["topic", "qos", "client_prefix", "username", "password", "retain", "max_packet_size", "sink.retain", "sink.qos"],
            ["tls."], new Dictionary<string, DataType> { ["topic"] = DataType.Utf8 }),
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
