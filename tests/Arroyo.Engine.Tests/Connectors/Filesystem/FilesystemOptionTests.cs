using Arroyo.Connectors.Filesystem;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>The filesystem sink's options: the reference's current names, its earlier names as aliases, and nothing else.</summary>
public sealed class FilesystemOptionTests
{
    private static readonly Field[] s_columns = [new("id", DataType.Int64), new("kind", DataType.Utf8)];

    /// <summary>Binds a sink table with <paramref name="options"/> given as the SQL parser passes them (an array as its text, an interval as its text).</summary>
    private static FileSinkSettings Bind(params (string Key, string Value)[] options)
    {
        (string, string)[] all = [("connector", "filesystem"), ("type", "sink"), ("format", "parquet"), ("path", "/tmp/fs-options"), .. options];
        return ((FilesystemSinkConfig)ConnectorTestKit.Bind("out", s_columns, all).Config).Settings;
    }

    /// <summary>"key = value, …" with quotes around values, as in the WITH clauses the tests read best.</summary>
    private static FileSinkSettings Bind(string options) =>
        Bind(options.Length == 0 ? [] : Split(options).ToArray());

    private static IEnumerable<(string, string)> Split(string options)
    {
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(options,
            @"'?(?<k>[a-z_.]+)'?\s*=\s*(?<v>interval '[^']*'|\[[^\]]*\]|'[^']*')"))
        {
            var value = m.Groups["v"].Value;
            yield return (m.Groups["k"].Value, value.StartsWith('\'') ? value.Trim('\'') : value);
        }
    }

    [Fact]
    public void Defaults_are_the_references()
    {
        var settings = Bind("");
        Assert.Equal(ParquetCompression.Zstd, settings.Compression);
        Assert.Equal(FilenameStrategy.UuidV7, settings.FilenameStrategy);
        Assert.Equal(32 * 1024 * 1024, settings.PartSize);
        Assert.Null(settings.RollInterval);
    }

    [Fact]
    public void Current_names_are_read()
    {
        var settings = Bind("""
            'rolling_policy.file_size' = '64MB', 'rolling_policy.interval' = interval '10 minutes',
            'rolling_policy.inactivity_interval' = '30s', 'filename.prefix' = 'events', 'filename.suffix' = 'pq',
            'filename.strategy' = 'ulid', 'partitioning.fields' = [kind], 'partitioning.time_pattern' = '%Y/%m/%d',
            'multipart.target_part_size' = '8MiB', 'multipart.max_parts' = '100', 'multipart.minimum_multipart_size' = '1MB',
            'parquet.compression' = 'lz4_raw', 'parquet.row_group_size' = '16MB', 'sink.version' = 'v2',
            'storage.aws_region' = 'eu-west-1'
            """);
        Assert.Equal(64_000_000, settings.RollFileSize);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.RollInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.RollInactivity);
        Assert.Equal(FilenameStrategy.Ulid, settings.FilenameStrategy);
        Assert.Equal(["kind"], settings.PartitionFields);
        Assert.Equal("%Y/%m/%d", settings.TimePattern);
        Assert.Equal(8 * 1024 * 1024, settings.PartSize);
        Assert.Equal(100, settings.MaxParts);
        Assert.Equal(ParquetCompression.Lz4Raw, settings.Compression);
        Assert.Equal(16_000_000, settings.RowGroupBytes);
        Assert.Equal("eu-west-1", settings.Location!.StorageOptions["aws_region"]);
    }

    [Fact]
    public void The_references_earlier_names_are_aliases()
    {
        var settings = Bind("""
            rollover_seconds = '60', inactivity_rollover_seconds = '5', target_file_size = '1000000',
            target_part_size = '6000000', max_parts = '50', partition_fields = [kind], time_partition_pattern = '%Y'
            """);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.RollInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.RollInactivity);
        Assert.Equal(1_000_000, settings.RollFileSize);
        Assert.Equal(6_000_000, settings.PartSize);
        Assert.Equal(50, settings.MaxParts);
        Assert.Equal(["kind"], settings.PartitionFields);
        Assert.Equal("%Y", settings.TimePattern);
    }

    [Theory]
    [InlineData("'rolling_policy.rollover' = '10s'", "rolling_policy.rollover")]
    [InlineData("file_size = '10'", "file_size")]
    [InlineData("'parquet.row_group_bytes' = '10'", "parquet.row_group_bytes")]
    public void Names_the_reference_never_had_are_refused(string option, string name)
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind(option));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Theory]
    [InlineData("'multipart.target_part_size' = '1MB'", "multipart.target_part_size must be >= 5242880")]
    [InlineData("'filename.strategy' = 'uuid7'", "expected one of 'serial', 'uuid', 'uuid_v7', 'ulid'")]
    [InlineData("'parquet.compression' = 'zstandard'", "'parquet.compression'")]
    [InlineData("'partitioning.time_pattern' = '%Y/%Q'", "'%Q' is not a strftime specifier")]
    [InlineData("'partitioning.fields' = [nope]", "Unable to get field named \"nope\"")]
    [InlineData("'rolling_policy.interval' = 'soon'", "a positive duration")]
    public void Bad_values_are_refused_clearly(string option, string message)
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind(option));
        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Watermark_expiration_and_partition_shuffle_are_read()
    {
        Assert.False(Bind("").WatermarkExpiration);
        Assert.True(Bind("'rolling_policy.watermark_expiration' = 'true', 'partitioning.time_pattern' = '%Y/%m/%d/%H'").WatermarkExpiration);
        (string, string)[] shuffled = [("connector", "filesystem"), ("type", "sink"), ("format", "parquet"), ("path", "/tmp/fs-options"),
            ("partitioning.fields", "[kind]"), ("shuffle_by_partition.enabled", "true")];
        Assert.Equal(["kind"], ConnectorTestKit.Bind("out", s_columns, shuffled).ShuffleBy);
        Assert.Empty(ConnectorTestKit.Bind("out", s_columns, shuffled[..^1]).ShuffleBy);
    }

    [Fact]
    public void Strftime_formats_like_chrono()
    {
        var time = new DateTime(2024, 3, 7, 5, 9, 4, DateTimeKind.Utc);
        Assert.Equal("2024/03/07/05", Strftime.Format("%Y/%m/%d/%H", time));
        Assert.Equal("2024-03-07T05:09:04 067 %", Strftime.Format("%FT%T %j %%", time));
    }
}
