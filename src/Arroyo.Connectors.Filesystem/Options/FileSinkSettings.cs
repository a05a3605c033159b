using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Options;

public enum FilenameStrategy
{
    Serial,
    Uuid,
    UuidV7,
    Ulid,
}

public enum ParquetCompression
{
    Uncompressed,
    Snappy,
    Gzip,
    Zstd,
    Lz4,
    Lz4Raw,
}

/// <summary>The file-writing options shared by the filesystem and delta sinks, with the reference's names and defaults.</summary>
public sealed record FileSinkSettings
{
    /// <summary>S3's minimum for every part but the last; the reference's minimum for <c>multipart.target_part_size</c>.</summary>
    public const long MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>The reference's default for <c>multipart.target_part_size</c>.</summary>
    public const long DefaultPartSize = 32 * 1024 * 1024;

    /// <summary>The reference's ceiling for <c>multipart.minimum_multipart_size</c>.</summary>
    public const long MaximumSinglePartSize = 2 * 1024 * 1024;

    /// <summary>Where files go; null for tables whose location a catalog decides when the pipeline starts (iceberg).</summary>
    public StorageLocation? Location { get; init; }

    public long? RollFileSize { get; init; }

    public TimeSpan? RollInterval { get; init; }

    public TimeSpan? RollInactivity { get; init; }

    /// <summary>
    /// A file of a time partition is finished once the watermark has left the partition's
    /// <see cref="TimePattern"/> bucket (as the reference: only with a time pattern).
    /// </summary>
    public bool WatermarkExpiration { get; init; }

    public string? FilenamePrefix { get; init; }

    public string? FilenameSuffix { get; init; }

    public FilenameStrategy FilenameStrategy { get; init; } = FilenameStrategy.UuidV7;

    public IReadOnlyList<string> PartitionFields { get; init; } = [];

    public string? TimePattern { get; init; }

    /// <summary>Rows are hashed to sink subtasks by their partition fields, so each partition's files come from one subtask.</summary>
    public bool ShuffleByPartition { get; init; }

    public long PartSize { get; init; } = MinimumPartSize;

    public long? MaxParts { get; init; }

    public ParquetCompression Compression { get; init; } = ParquetCompression.Zstd;

    /// <summary>Rows are buffered into a row group until their in-memory size reaches this.</summary>
    public long RowGroupBytes { get; init; } = 128L * 1024 * 1024;

    private static readonly string[] s_strategies = ["serial", "uuid", "uuid_v7", "ulid"];
    private static readonly string[] s_compressions = ["uncompressed", "snappy", "gzip", "zstd", "lz4", "lz4_raw"];

    /// <summary>
    /// Reads the sink options. The reference's earlier names (before its options were grouped)
    /// are accepted as aliases: rollover_seconds, inactivity_rollover_seconds, target_file_size,
    /// target_part_size, max_parts, partition_fields, time_partition_pattern,
    /// parquet.row_group_size_bytes.
    /// </summary>
    /// <param name="location">The table's location, when not its <c>path</c> option (null: a catalog decides it at start).</param>
    public static FileSinkSettings Read(OptionReader options, TableDefinition definition, FormatSettings? format, bool hasPath = true)
    {
        var location = hasPath ? StorageLocation.Read(options) : null;
        var fileSize = OptionValues.DataSize(options, "rolling_policy.file_size") ?? options.Long("target_file_size");
        var interval = OptionValues.Duration(options, "rolling_policy.interval") ?? OptionValues.Seconds(options, "rollover_seconds");
        var inactivity = OptionValues.Duration(options, "rolling_policy.inactivity_interval") ?? OptionValues.Seconds(options, "inactivity_rollover_seconds");
        var watermarkExpiration = options.Bool("rolling_policy.watermark_expiration") ?? false;
        var strategyText = options.Choice("filename.strategy", s_strategies);
        var partSize = OptionValues.DataSize(options, "multipart.target_part_size") ?? options.Long("target_part_size");
        if (partSize is < MinimumPartSize)
        {
            throw new UserException($"multipart.target_part_size must be >= {MinimumPartSize} (table '{definition.Name}')", definition.SpanOf("multipart.target_part_size"));
        }
        var maxParts = options.Long("multipart.max_parts") ?? options.Long("max_parts");
        if (maxParts is <= 0) throw options.Invalid("multipart.max_parts", maxParts.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "a positive number");
        // Every file goes up as a multipart upload completed at the checkpoint, so a single-put
        // threshold changes nothing; the option is checked as the reference checks it.
        var singlePut = OptionValues.DataSize(options, "multipart.minimum_multipart_size");
        if (singlePut is > MaximumSinglePartSize)
        {
            throw options.Invalid("multipart.minimum_multipart_size", singlePut.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), $"at most {MaximumSinglePartSize} bytes");
        }
        var fields = OptionValues.Names(options, "partitioning.fields") ?? OptionValues.Names(options, "partition_fields") ?? [];
        var timePattern = options.String("partitioning.time_pattern") ?? options.String("time_partition_pattern");
        if (timePattern is not null) Strftime.Validate(timePattern, definition);
        var shuffle = options.Bool("shuffle_by_partition.enabled") ?? false;
        options.Choice("sink.version", ["v1", "v2"]);
        CheckPartitionFields(fields, definition);

        var compressionText = options.Choice("parquet.compression", s_compressions);
        var rowGroup = OptionValues.DataSize(options, "parquet.row_group_size") ?? OptionValues.DataSize(options, "parquet.row_group_size_bytes");
        if (rowGroup is <= 0) throw options.Invalid("parquet.row_group_size", rowGroup.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "a positive size");
        if (format is not null && format.Kind is not (FormatKind.Json or FormatKind.Parquet))
        {
            throw new UserException(
                $"the {options.Connector} sink writes the formats json and parquet, not {format.Name} (table '{definition.Name}')",
                definition.SpanOf("format"));
        }

        return new FileSinkSettings
        {
            Location = location,
            RollFileSize = fileSize,
            RollInterval = interval,
            RollInactivity = inactivity,
            WatermarkExpiration = watermarkExpiration,
            FilenamePrefix = options.String("filename.prefix"),
            FilenameSuffix = options.String("filename.suffix"),
            FilenameStrategy = strategyText switch
            {
                "serial" => FilenameStrategy.Serial,
                "uuid" => FilenameStrategy.Uuid,
                "ulid" => FilenameStrategy.Ulid,
                _ => FilenameStrategy.UuidV7,
            },
            PartitionFields = fields,
            ShuffleByPartition = shuffle,
            TimePattern = timePattern,
            PartSize = partSize ?? DefaultPartSize,
            MaxParts = maxParts,
            Compression = compressionText switch
            {
                "uncompressed" => ParquetCompression.Uncompressed,
                "snappy" => ParquetCompression.Snappy,
                "gzip" => ParquetCompression.Gzip,
                "lz4" => ParquetCompression.Lz4,
                "lz4_raw" => ParquetCompression.Lz4Raw,
                _ => ParquetCompression.Zstd,
            },
            RowGroupBytes = rowGroup ?? 128L * 1024 * 1024,
        };
    }

    // As the reference, which resolves them against the table's schema when the table is created.
    private static void CheckPartitionFields(IReadOnlyList<string> fields, TableDefinition definition)
    {
        if (definition.Columns.Count == 0) return;
        foreach (var name in fields)
        {
            if (definition.Columns.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))) continue;
            var valid = definition.Columns.Select(c => c.Name).Append(Schema.TimestampFieldName);
            throw new UserException(
                $"Arrow error: Schema error: Unable to get field named \"{name}\". Valid fields: [{string.Join(", ", valid.Select(v => $"\"{v}\""))}]",
                definition.SpanOf(definition.Options.ContainsKey("partitioning.fields") ? "partitioning.fields" : "partition_fields"));
        }
    }
}
