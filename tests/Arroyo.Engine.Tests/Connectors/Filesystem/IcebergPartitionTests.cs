using System.Text;
using Arroyo.Connectors;
using Arroyo.Connectors.Filesystem.Iceberg;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>
/// Iceberg partitioning: PARTITIONED BY read as transforms (and refused clearly), and the
/// transforms computing what the Iceberg spec says (its appendix's hash vectors), since a
/// reader pruning by partition skips any row filed under a wrong value.
/// </summary>
public sealed class IcebergPartitionTests
{
    private static readonly Field[] s_columns =
        [new("id", DataType.Int64), new("kind", DataType.Utf8), new("ts", DataType.Timestamp), new("ratio", DataType.Float64), new("day", DataType.Date)];

    private static readonly (string, string)[] s_required =
        [("connector", "iceberg"), ("type", "sink"), ("format", "parquet"), ("catalog.type", "rest"), ("catalog.rest.url", "http://localhost:8181/catalog"), ("table_name", "events")];

    private static PartitionExpression Call(string function, params object[] arguments) =>
        new(default, function, arguments.Select(a => a is string column ? new PartitionArgument(default, column, null) : new PartitionArgument(default, null, Convert.ToInt64(a))).ToArray());

    private static IcebergSinkConfig Bind(params PartitionExpression[] partitions)
    {
        var definition = ConnectorTestKit.Table("out", s_columns, s_required) with { PartitionedBy = partitions };
        return (IcebergSinkConfig)new IcebergConnector().Bind(definition).Config;
    }

    [Fact]
    public void Partitioned_by_is_read_as_transforms_with_the_references_field_names()
    {
        var config = Bind(Call("bucket", "id", 16), Call("truncate", "kind", 3), Call("hour", "ts"), Call("identity", "kind"), Call("void", "ratio"));
        Assert.Equal(["id_bucket_16", "kind_truncate_3", "ts_hour", "kind_identity", "ratio_void"], config.Partitioning.Select(f => f.Name));
        Assert.Equal(["bucket[16]", "truncate[3]", "hour", "identity", "void"], config.Partitioning.Select(f => f.TransformText));
    }

    [Theory]
    [InlineData("minute", new object[] { "ts" }, "unsupported iceberg transform function 'minute'")]
    [InlineData("bucket", new object[] { "id" }, "expects 2 argument(s)")]
    [InlineData("bucket", new object[] { "id", 0 }, "must be a positive integer")]
    [InlineData("hour", new object[] { "nope" }, "partition column 'nope' is not a column of table 'out'")]
    [InlineData("hour", new object[] { "day" }, "hour cannot partition column 'day'")]
    [InlineData("bucket", new object[] { "ratio", 4 }, "bucket cannot partition column 'ratio'")]
    [InlineData("truncate", new object[] { "ts", 4 }, "truncate cannot partition column 'ts'")]
    public void Transforms_the_spec_does_not_define_are_refused(string function, object[] arguments, string message)
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind(Call(function, arguments)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_expression_that_is_not_a_transform_is_refused()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind(new PartitionExpression(default, null, [])));
        Assert.Contains("unexpected expression in PARTITIONED BY", error.Message);
        error = Assert.ThrowsAny<UserException>(() => Bind(Call("day", "ts"), Call("day", "ts")));
        Assert.Contains("names the partition day(ts) twice", error.Message);
    }

    [Theory]
    // The Iceberg spec's appendix B: 32-bit Murmur3 hashes of single values.
    [InlineData(new byte[] { 34, 0, 0, 0, 0, 0, 0, 0 }, 2017239379)]
    [InlineData(new byte[] { 0, 1, 2, 3 }, -188683207)]
    public void Murmur3_matches_the_spec(byte[] bytes, int hash) =>
        Assert.Equal(hash, IcebergPartitioner.Murmur3(bytes));

    [Fact]
    public void Bucket_hashes_as_the_spec_for_each_type()
    {
        // Bucket N of a hash h is (h & int.MaxValue) % N; with N = int.MaxValue the masked hash shows.
        static int Masked(int hash) => (hash & int.MaxValue) % int.MaxValue;
        var bucket = new IcebergPartitionField("x", IcebergTransform.Bucket, int.MaxValue);
        Assert.Equal(Masked(2017239379), IcebergPartitioner.Apply(bucket, DataType.Int32, 34));
        Assert.Equal(Masked(2017239379), IcebergPartitioner.Apply(bucket, DataType.Int64, 34L));
        Assert.Equal(Masked(1210000089), IcebergPartitioner.Apply(bucket, DataType.Utf8, "iceberg"));
        Assert.Equal(Masked(-653330422), IcebergPartitioner.Apply(bucket, DataType.Date, 17486)); // 2017-11-16
        var nanos = (long)(new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;
        Assert.Equal(Masked(-2047944441), IcebergPartitioner.Apply(bucket, DataType.Timestamp, nanos));
        Assert.Equal(Masked(-1207196810), IcebergPartitioner.Apply(bucket, DataType.Timestamp, nanos + 1000));
        Assert.Equal(Masked(-188683207), IcebergPartitioner.Apply(bucket, DataType.Binary, new byte[] { 0, 1, 2, 3 }));
        // Not a power of two: the masked hash, not the signed remainder, picks the bucket.
        Assert.Equal((-653330422 & int.MaxValue) % 3, IcebergPartitioner.Apply(bucket with { Argument = 3 }, DataType.Date, 17486));
        Assert.Null(IcebergPartitioner.Apply(bucket, DataType.Int64, null));
    }

    [Fact]
    public void Truncate_rounds_down_to_the_width_and_cuts_text_by_code_points()
    {
        var truncate = new IcebergPartitionField("x", IcebergTransform.Truncate, 10);
        Assert.Equal(0, IcebergPartitioner.Apply(truncate, DataType.Int32, 1));
        Assert.Equal(-10, IcebergPartitioner.Apply(truncate, DataType.Int32, -1));
        Assert.Equal(10L, IcebergPartitioner.Apply(truncate, DataType.Int64, 19L));
        Assert.Equal("ice", IcebergPartitioner.Apply(truncate with { Argument = 3 }, DataType.Utf8, "iceberg"));
        Assert.Equal("a😀b", IcebergPartitioner.Apply(truncate with { Argument = 3 }, DataType.Utf8, "a😀bc"));
        Assert.Equal(new byte[] { 1, 2 }, IcebergPartitioner.Apply(truncate with { Argument = 2 }, DataType.Binary, new byte[] { 1, 2, 3 }));
    }

    [Fact]
    public void Time_transforms_count_from_the_epoch_and_floor_before_it()
    {
        var at = (long)(new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;
        IcebergPartitionField Of(IcebergTransform t) => new("x", t);
        Assert.Equal(47, IcebergPartitioner.Apply(Of(IcebergTransform.Year), DataType.Timestamp, at));
        Assert.Equal(574, IcebergPartitioner.Apply(Of(IcebergTransform.Month), DataType.Timestamp, at));
        Assert.Equal(17486, IcebergPartitioner.Apply(Of(IcebergTransform.Day), DataType.Timestamp, at));
        Assert.Equal(17486 * 24 + 22, IcebergPartitioner.Apply(Of(IcebergTransform.Hour), DataType.Timestamp, at));
        Assert.Equal(574, IcebergPartitioner.Apply(Of(IcebergTransform.Month), DataType.Date, 17486));
        Assert.Equal(17486, IcebergPartitioner.Apply(Of(IcebergTransform.Day), DataType.Date, 17486));
        const long secondBeforeEpoch = -1_000_000_000L;
        foreach (var t in new[] { IcebergTransform.Year, IcebergTransform.Month, IcebergTransform.Day, IcebergTransform.Hour })
        {
            Assert.Equal(-1, IcebergPartitioner.Apply(Of(t), DataType.Timestamp, secondBeforeEpoch));
        }
        Assert.Equal(at / 1000, IcebergPartitioner.Apply(Of(IcebergTransform.Identity), DataType.Timestamp, at));
        Assert.Null(IcebergPartitioner.Apply(Of(IcebergTransform.Void), DataType.Timestamp, at));
    }

    [Fact]
    public void Partition_paths_use_icebergs_readable_values()
    {
        IcebergPartitionField Of(IcebergTransform t) => new("x", t);
        Assert.Equal("2017-11-16-22", IcebergPartitioner.Human(Of(IcebergTransform.Hour), DataType.Timestamp, 17486 * 24 + 22));
        Assert.Equal("2017-11-16", IcebergPartitioner.Human(Of(IcebergTransform.Day), DataType.Timestamp, 17486));
        Assert.Equal("2017-11", IcebergPartitioner.Human(Of(IcebergTransform.Month), DataType.Timestamp, 574));
        Assert.Equal("1969-12", IcebergPartitioner.Human(Of(IcebergTransform.Month), DataType.Timestamp, -1));
        Assert.Equal("2017", IcebergPartitioner.Human(Of(IcebergTransform.Year), DataType.Timestamp, 47));
        Assert.Equal("null", IcebergPartitioner.Human(Of(IcebergTransform.Identity), DataType.Utf8, null));
        Assert.Equal("a/b", IcebergPartitioner.Human(Of(IcebergTransform.Identity), DataType.Utf8, "a/b"));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("hi")), IcebergPartitioner.Human(Of(IcebergTransform.Identity), DataType.Binary, Encoding.UTF8.GetBytes("hi")));
    }
}
