using Arroyo.Connectors.Filesystem.Iceberg;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>The iceberg sink's options: the reference's names and defaults, its refusals.</summary>
public sealed class IcebergOptionTests
{
    private static readonly Field[] s_columns = [new("id", DataType.Int64), new("kind", DataType.Utf8)];

    private static readonly (string, string)[] s_required =
        [("connector", "iceberg"), ("type", "sink"), ("format", "parquet"), ("catalog.type", "rest"), ("catalog.rest.url", "http://localhost:8181/catalog"), ("table_name", "events")];

    private static IcebergSinkConfig Bind(params (string Key, string Value)[] options) =>
        (IcebergSinkConfig)ConnectorTestKit.Bind("out", s_columns, [.. s_required, .. options]).Config;

    [Fact]
    public void Defaults_are_the_references()
    {
        var config = Bind();
        Assert.Equal(["default"], config.Namespace);
        Assert.Equal("events", config.TableName);
        Assert.Null(config.LocationPath);
        Assert.Null(config.Catalog.Warehouse);
        Assert.Null(config.Settings.Location);
    }

    [Fact]
    public void Catalog_table_and_file_options_are_read()
    {
        var config = Bind(("namespace", "analytics.raw"), ("catalog.warehouse", "wh"), ("catalog.rest.token", "{{ ICEBERG_TOKEN }}"),
            ("location_path", "s3://bucket/tables/events"), ("storage.aws_region", "eu-west-1"), ("rolling_policy.interval", "interval '30 seconds'"),
            ("shuffle_by_partition.enabled", "true"), ("sink.version", "v2"));
        Assert.Equal(["analytics", "raw"], config.Namespace);
        Assert.Equal("wh", config.Catalog.Warehouse);
        Assert.Equal("s3://bucket/tables/events", config.LocationPath);
        Assert.Equal("eu-west-1", config.StorageOptions["aws_region"]);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Settings.RollInterval);
        // The token is resolved when the sink starts, and never printed.
        Assert.Equal("{{ ICEBERG_TOKEN }}", config.Catalog.Token);
        Assert.DoesNotContain("ICEBERG_TOKEN", config.Catalog.ToString());
    }

    [Theory]
    [InlineData("catalog.type", "hive", "unsupported Iceberg catalog.type 'hive'")]
    [InlineData("format", "json", "must be parquet for iceberg sinks")]
    [InlineData("type", "source", "cannot be used as a source")]
    [InlineData("catalog.rest.url", "localhost:8181", "an http:// or https:// URL")]
    [InlineData("partitioning.fields", "[kind]", "PARTITIONED BY transforms, not partitioning.* options")]
    [InlineData("catalog.rest.uri", "http://x", "'catalog.rest.uri'")]
    public void Bad_options_are_refused_clearly(string key, string value, string message)
    {
        var options = s_required.Where(o => o.Item1 != key).Append((key, value)).ToArray();
        var error = Assert.ThrowsAny<UserException>(() => ConnectorTestKit.Bind("out", s_columns, options));
        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Required_options_are_named_when_missing()
    {
        foreach (var key in new[] { "catalog.type", "catalog.rest.url", "table_name" })
        {
            var error = Assert.ThrowsAny<UserException>(() => ConnectorTestKit.Bind("out", s_columns, s_required.Where(o => o.Item1 != key).ToArray()));
            Assert.Contains(key, error.Message);
        }
    }
}
