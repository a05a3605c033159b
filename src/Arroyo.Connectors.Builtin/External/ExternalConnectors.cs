namespace Arroyo.Connectors.Builtin.External;

/// <summary>The reference's other connectors with their main option names (planning only).</summary>
public static class ExternalConnectors
{
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
        new ExternalConnector("preview", ConnectorRoles.Sink, [], []),
    ];
}
