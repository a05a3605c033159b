using System.Buffers.Binary;
using System.Text;
using Arroyo.Connectors.Filesystem.Iceberg;
using Arroyo.Core.Types;
using Avro;
using Schema = Avro.Schema;
using Avro.File;
using Avro.Generic;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>
/// The manifest list's partition field summaries (<c>manifest_file.partitions</c>, Iceberg
/// table spec v2): per partition field whether a file's value is null or NaN and the lower and
/// upper bound in the spec's single-value binary form. Read back from the Avro bytes with a
/// generic reader, as another engine would, because a reader pruning by these bounds skips a
/// manifest whose bounds are wrong.
/// </summary>
public sealed class IcebergManifestListTests
{
    private static readonly DateTime s_day = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    // identity(kind), day(ts), bucket(id, 16), truncate(kind, 3), identity(ratio), void(id).
    private static readonly (IcebergPartitionField Field, DataType Source)[] s_spec =
    [
        (new IcebergPartitionField("kind", IcebergTransform.Identity), DataType.Utf8),
        (new IcebergPartitionField("ts", IcebergTransform.Day), DataType.Timestamp),
        (new IcebergPartitionField("id", IcebergTransform.Bucket, 16), DataType.Int64),
        (new IcebergPartitionField("kind", IcebergTransform.Truncate, 3), DataType.Utf8),
        (new IcebergPartitionField("ratio", IcebergTransform.Identity), DataType.Float64),
        (new IcebergPartitionField("id", IcebergTransform.Void), DataType.Int64),
    ];

    private static IReadOnlyList<IcebergPartitionColumn> Columns() => s_spec
        .Select((s, i) => new IcebergPartitionColumn(1000 + i, s.Field.Name, IcebergPartitioning.ResultType(s.Field, s.Source)))
        .ToList();

    /// <summary>A file holding one partition: the transforms of one row's (kind, ts, id, ratio), as the manifest's Avro writer takes them.</summary>
    private static IcebergDataFile File(string? kind, DateTime? ts, long? id, double? ratio)
    {
        object?[] sources = [kind, ts is { } t ? (t - DateTime.UnixEpoch).Ticks * 100 : null, id, kind, ratio, id];
        var values = s_spec.Select((s, i) =>
        {
            var value = IcebergPartitioner.Apply(s.Field, s.Source, sources[i]);
            // Days are an Avro date, which the writer takes as a DateTime.
            return s.Field.Transform == IcebergTransform.Day && value is int days ? DateTime.UnixEpoch.AddDays(days) : value;
        }).ToList();
        return new IcebergDataFile($"s3://b/t/data/{Guid.NewGuid()}.parquet", 10, 100) { Partition = values };
    }

    private static IcebergManifestFile Manifest(string path, IReadOnlyList<IcebergDataFile> files, IReadOnlyList<IcebergPartitionColumn> columns) =>
        new(path, 1234, 0, 1, 1, 77, files.Count, 0, 0, files.Sum(f => f.Records), 0, 0)
        {
            Partitions = IcebergPartitionSummaries.Of(files, columns),
        };

    private static List<GenericRecord> ReadAvro(byte[] bytes, out Schema schema)
    {
        using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(bytes));
        schema = reader.GetSchema();
        return reader.NextEntries.ToList();
    }

    // Expected bounds spelled independently of the code under test; the test hosts (x64, arm64) are little-endian.
    private static byte[] Int(int value) => BitConverter.GetBytes(value);

    private static byte[] Double(double value) => BitConverter.GetBytes(value);

    private static int Bucket(long id) => (int)IcebergPartitioner.Apply(s_spec[2].Field, DataType.Int64, id)!;

    [Fact]
    public void Each_partition_field_is_summarised_with_nulls_nans_and_binary_bounds()
    {
        var columns = Columns();
        var files = new List<IcebergDataFile>
        {
            File("banana", s_day.AddHours(5), 7, 2.5),
            File("apple", s_day.AddDays(2).AddHours(1), 1001, 0.0),
            File(null, null, null, double.NaN),
            File("cherry", s_day.AddDays(-1), 42, -0.0),
        };
        var bytes = IcebergManifests.WriteManifestList([Manifest("s3://b/t/metadata/m0.avro", files, columns)], 77, null, 1);

        var record = Assert.Single(ReadAvro(bytes, out _));
        var summaries = ((object[])record["partitions"]).Cast<GenericRecord>().ToList();
        Assert.Equal(columns.Count, summaries.Count);
        var buckets = new[] { Bucket(7), Bucket(1001), Bucket(42) };
        var days = (int)(s_day - DateTime.UnixEpoch).TotalDays;
        (bool Null, bool Nan, byte[]? Lower, byte[]? Upper)[] expected =
        [
            (true, false, "apple"u8.ToArray(), "cherry"u8.ToArray()),
            (true, false, Int(days - 1), Int(days + 2)),
            (true, false, Int(buckets.Min()), Int(buckets.Max())),
            (true, false, "app"u8.ToArray(), "che"u8.ToArray()),
            // -0.0 and +0.0 are both present: the lower bound is -0.0, and NaN is in no bound.
            (false, true, Double(-0.0), Double(2.5)),
            (true, false, null, null),
        ];
        for (var i = 0; i < expected.Length; i++)
        {
            var summary = summaries[i];
            Assert.Equal(expected[i].Null, (bool)summary["contains_null"]);
            Assert.Equal(expected[i].Nan, (bool?)summary["contains_nan"]);
            Assert.Equal(expected[i].Lower, (byte[]?)summary["lower_bound"]);
            Assert.Equal(expected[i].Upper, (byte[]?)summary["upper_bound"]);
        }
    }

    [Fact]
    public void The_schema_carries_the_specs_field_ids()
    {
        var bytes = IcebergManifests.WriteManifestList([Manifest("m0.avro", [File("a", s_day, 1, 1.0)], Columns())], 1, null, 1);
        ReadAvro(bytes, out var schema);
        var partitions = ((RecordSchema)schema)["partitions"];
        Assert.Equal("507", partitions.GetProperty("field-id"));
        var array = (ArraySchema)((UnionSchema)partitions.Schema).Schemas.Single(s => s.Tag == Schema.Type.Array);
        Assert.Equal("508", array.GetProperty("element-id"));
        var summary = (RecordSchema)array.ItemSchema;
        Assert.Equal(["contains_null", "contains_nan", "lower_bound", "upper_bound"], summary.Fields.Select(f => f.Name));
        Assert.Equal(["509", "518", "510", "511"], summary.Fields.Select(f => f.GetProperty("field-id")));
        Assert.Equal(Schema.Type.Boolean, summary["contains_null"].Schema.Tag);
    }

    [Fact]
    public void Integer_dates_timestamps_booleans_and_binary_take_the_single_value_forms()
    {
        Assert.Equal(Int(-5), IcebergPartitionSummaries.ToBytes(-5, "int"));
        Assert.Equal([0x01, 0, 0, 0, 0, 0, 0, 0x80], IcebergPartitionSummaries.ToBytes(long.MinValue + 1, "long"));
        Assert.Equal(Int(-1), IcebergPartitionSummaries.ToBytes(DateTime.UnixEpoch.AddDays(-1), "date"));
        var micros = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(micros, 1_709_251_200_000_001);
        Assert.Equal(micros, IcebergPartitionSummaries.ToBytes(s_day.AddTicks(10), "timestamp"));
        Assert.Equal([0x01], IcebergPartitionSummaries.ToBytes(true, "boolean"));
        Assert.Equal([0x00], IcebergPartitionSummaries.ToBytes(false, "boolean"));
        Assert.Equal([0x00, 0x00, 0x80, 0x3f], IcebergPartitionSummaries.ToBytes(1.0f, "float"));
        Assert.Equal(Encoding.UTF8.GetBytes("é"), IcebergPartitionSummaries.ToBytes("é", "string"));
    }

    [Fact]
    public void Strings_and_binary_are_bounded_in_unsigned_byte_order()
    {
        // In UTF-16 code units U+1F600 (a surrogate pair from 0xD83D) sorts below U+FF21; by code
        // point, the order Iceberg uses and UTF-8 bytes keep, it sorts above.
        var columns = new[] { new IcebergPartitionColumn(1000, "s", "string"), new IcebergPartitionColumn(1001, "b", "binary") };
        var files = new[] { "\uFF21", "\U0001F600", "z" }.Select((s, i) => new IcebergDataFile($"f{i}", 1, 1)
        {
            Partition = [s, new[] { new byte[] { 0x7f }, new byte[] { 0x80 }, new byte[] { 0x00, 0xff } }[i]],
        }).ToList();
        var summaries = IcebergPartitionSummaries.Of(files, columns);
        Assert.Equal("z"u8.ToArray(), summaries[0].LowerBound);
        Assert.Equal(Encoding.UTF8.GetBytes("\U0001F600"), summaries[0].UpperBound);
        Assert.Equal(new byte[] { 0x00, 0xff }, summaries[1].LowerBound);
        Assert.Equal(new byte[] { 0x80 }, summaries[1].UpperBound);
    }

    [Fact]
    public void Summaries_of_carried_over_manifests_survive_a_later_list()
    {
        var columns = Columns();
        var first = IcebergManifests.WriteManifestList([Manifest("m0.avro", [File("kiwi", s_day, 3, 1.5), File(null, s_day, 9, null)], columns)], 1, null, 1);
        var carried = IcebergManifests.ReadManifestList(first, "snap-1.avro");
        var second = IcebergManifests.WriteManifestList(
            [Manifest("m1.avro", [File("fig", s_day.AddDays(9), 4, 7.0)], columns), .. carried], 2, 1, 2);

        var lists = IcebergManifests.ReadManifestList(second, "snap-2.avro");
        Assert.Equal(["m1.avro", "m0.avro"], lists.Select(m => m.Path));
        var old = lists[1].Partitions!;
        Assert.Equal("kiwi"u8.ToArray(), old[0].LowerBound);
        Assert.Equal("kiwi"u8.ToArray(), old[0].UpperBound);
        Assert.True(old[0].ContainsNull);
        Assert.Equal(Double(1.5), old[4].LowerBound);
        Assert.True(old[4].ContainsNull);
        Assert.Equal(Int((int)(s_day.AddDays(9) - DateTime.UnixEpoch).TotalDays), lists[0].Partitions![1].LowerBound);
    }

    [Fact]
    public void An_unpartitioned_manifest_has_an_empty_summary_list()
    {
        var files = new[] { new IcebergDataFile("f", 1, 1) };
        var bytes = IcebergManifests.WriteManifestList([Manifest("m0.avro", files, [])], 1, null, 1);
        var record = Assert.Single(ReadAvro(bytes, out _));
        Assert.Empty((object[])record["partitions"]);
    }
}
