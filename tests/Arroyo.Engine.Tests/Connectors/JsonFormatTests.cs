using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Formats;

namespace Arroyo.Engine.Tests.Connectors;

public sealed class JsonFormatTests
{
    private static readonly FormatSettings s_json = new(FormatKind.Json);

    private static Batch Decode(Schema schema, FormatSettings format, params string[] lines)
    {
        var decoder = RecordDecoder.Create(format, schema);
        foreach (var line in lines)
        {
            Assert.True(decoder.TryDecode(Encoding.UTF8.GetBytes(line), out var error), error);
        }
        return decoder.Flush(42)!;
    }

    private static string Encode(Batch batch, FormatSettings format, IReadOnlyList<int>? keys = null)
    {
        var buffer = new ByteBuffer();
        RecordEncoder.Create(format, batch.Schema, keys).Encode(batch, buffer);
        return Encoding.UTF8.GetString(buffer.Written);
    }

    [Fact]
    public void Decodes_every_scalar_type()
    {
        var schema = ConnectorTestKit.SchemaOf(
            new Field("b", DataType.Boolean), new Field("i8", DataType.Int8), new Field("i32", DataType.Int32),
            new Field("i64", DataType.Int64), new Field("u64", DataType.UInt64), new Field("f", DataType.Float64),
            new Field("r", DataType.Float32), new Field("d", DataType.Decimal(10, 2)), new Field("s", DataType.Utf8),
            new Field("t", DataType.Timestamp), new Field("day", DataType.Date), new Field("j", DataType.Json));
        var batch = Decode(schema, s_json,
            """{"b":true,"i8":-3,"i32":"17","i64":-9000000000,"u64":18446744073709551615,"f":1.5,"r":2,"d":12.345,"s":"a\"\u00e9b","t":"2023-09-18T14:23:10Z","day":"2024-02-29","j":{"x":[1,2]}}""");
        var row = batch.GetRow(0);
        Assert.Equal(true, row[0]);
        Assert.Equal((sbyte)-3, row[1]);
        Assert.Equal(17, row[2]);
        Assert.Equal(-9000000000L, row[3]);
        Assert.Equal(ulong.MaxValue, row[4]);
        Assert.Equal(1.5, row[5]);
        Assert.Equal(2f, row[6]);
        Assert.Equal(12.35m, row[7]);
        Assert.Equal("a\"éb", row[8]);
        Assert.Equal("2023-09-18T14:23:10", Timestamps.FormatIso((long)row[9]!));
        Assert.Equal("""{"x":[1,2]}""", row[11]);
        Assert.Equal(42L, row[12]);
    }

    [Theory]
    [InlineData("\"2023-09-18T14:23:10Z\"", "2023-09-18T14:23:10")]
    [InlineData("\"2023-10-09T17:13:20.200+00:00\"", "2023-10-09T17:13:20.200")]
    [InlineData("\"2023-10-09T19:13:20+02:00\"", "2023-10-09T17:13:20")]
    [InlineData("\"2023-10-09T17:13:40.000001\"", "2023-10-09T17:13:40.000001")]
    [InlineData("\"2023-10-09 17:13:40\"", "2023-10-09T17:13:40")]
    [InlineData("1734539354748899000", "2024-12-18T16:29:14.748899")]
    public void Decodes_timestamps_from_text_and_nanosecond_numbers(string json, string expected)
    {
        var schema = ConnectorTestKit.SchemaOf(new Field("t", DataType.Timestamp));
        var batch = Decode(schema, s_json, $$"""{"t":{{json}}}""");
        Assert.Equal(expected, Timestamps.FormatIso(((PrimitiveColumn<long>)batch.Columns[0])[0]));
    }

    [Fact]
    public void Missing_fields_are_null_unknown_fields_ignored_and_nested_values_decoded()
    {
        var point = DataType.Struct([new Field("x", DataType.Int64), new Field("y", DataType.Int64)]);
        var schema = ConnectorTestKit.SchemaOf(new Field("p", point), new Field("tags", DataType.List(DataType.Utf8)), new Field("n", DataType.Int64));
        var batch = Decode(schema, s_json, """{"extra":{"deep":[1]},"p":{"y":2,"x":1},"tags":["a","b"]}""", """{"p":null,"n":5}""");
        Assert.Equal(new object?[] { new object?[] { 1L, 2L }, new object?[] { "a", "b" }, null, 42L }, batch.GetRow(0));
        Assert.Equal(new object?[] { null, null, 5L, 42L }, batch.GetRow(1));
    }

    [Fact]
    public void Unread_text_fields_are_checked_but_not_copied()
    {
        var schema = ConnectorTestKit.SchemaOf(new Field("id", DataType.Int64), new Field("note", DataType.Utf8), new Field("tag", DataType.Utf8));
        // The planner proved nobody reads `note` (column 1).
        var usage = new Arroyo.Dataflow.ColumnUsage([Arroyo.Dataflow.FieldUsage.All, null, Arroyo.Dataflow.FieldUsage.All, Arroyo.Dataflow.FieldUsage.All]);
        var decoder = RecordDecoder.Create(s_json, schema, usage);
        Assert.True(decoder.TryDecode("""{"id":1,"note":"a long text nobody reads","tag":"x"}"""u8, out _));
        Assert.True(decoder.TryDecode("""{"id":2,"note":null,"tag":"y"}"""u8, out _));
        Assert.True(decoder.TryDecode("""{"id":3,"tag":"z"}"""u8, out _));
        // A wrong type is still a bad record, read or not.
        Assert.False(decoder.TryDecode("""{"id":4,"note":{"x":1},"tag":"w"}"""u8, out _));
        var batch = decoder.Flush(0)!;
        Assert.Equal(3, batch.RowCount);
        Assert.Equal(new object?[] { 1L, "", "x", 0L }, batch.GetRow(0));
        Assert.Equal(new object?[] { 2L, null, "y", 0L }, batch.GetRow(1));
        Assert.Equal(new object?[] { 3L, null, "z", 0L }, batch.GetRow(2));
    }

    [Fact]
    public void Bad_records_are_reported_and_leave_no_partial_row()
    {
        var inner = DataType.Struct([new Field("a", DataType.Int64), new Field("b", DataType.Int64)]);
        var schema = ConnectorTestKit.SchemaOf(new Field("n", DataType.Int64, Nullable: false), new Field("s", inner), new Field("l", DataType.List(inner)));
        var decoder = RecordDecoder.Create(s_json, schema);
        Assert.True(decoder.TryDecode("""{"n":1,"s":{"a":1,"b":2},"l":[{"a":1}]}"""u8, out _));
        Assert.False(decoder.TryDecode("""{"n":2,"s":{"a":1,"b":"x"}}"""u8, out var error1));
        Assert.Contains("'b'", error1);
        Assert.False(decoder.TryDecode("""{"n":3,"l":[{"a":1},{"a":"bad"}]}"""u8, out _));
        Assert.False(decoder.TryDecode("""{"s":{"a":1}}"""u8, out var error2));
        Assert.Contains("NOT NULL", error2);
        Assert.False(decoder.TryDecode("""{"n":4"""u8, out _));
        Assert.False(decoder.TryDecode("""[1,2]"""u8, out _));
        Assert.True(decoder.TryDecode("""{"n":5,"l":[]}"""u8, out _));
        var batch = decoder.Flush(0)!;
        Assert.Equal(2, batch.RowCount);
        Assert.Equal(new object?[] { 1L, new object?[] { 1L, 2L }, new object?[] { new object?[] { 1L, null } }, 0L }, batch.GetRow(0));
        Assert.Equal(new object?[] { 5L, null, Array.Empty<object?>(), 0L }, batch.GetRow(1));
    }

    [Fact]
    public void Unstructured_json_keeps_the_whole_record()
    {
        var schema = ConnectorTestKit.SchemaOf(new Field("value", DataType.Json));
        var decoder = RecordDecoder.Create(s_json with { Unstructured = true }, schema);
        Assert.True(decoder.TryDecode("""  {"a": 1, "b": [true]}  """u8, out _));
        Assert.False(decoder.TryDecode("""{"a": """u8, out _));
        Assert.Equal("""{"a": 1, "b": [true]}""", decoder.Flush(0)!.GetRow(0)[0]);
    }

    [Theory]
    [InlineData(49.5, "49.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1781.0, "1781.0")]
    [InlineData(1695067737.1303, "1695067737.1303")]
    [InlineData(234476353111.3588, "2.344763531113588e11")]
    [InlineData(1774109094109.8503, "1.7741090941098503e12")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e20, "1.0e20")]
    [InlineData(-0.0124, "-0.0124")]
    [InlineData(392.25, "392.25")]
    public void Writes_doubles_as_the_reference_does(double value, string expected)
    {
        var schema = ConnectorTestKit.SchemaOf(new Field("v", DataType.Float64));
        var batch = new Batch(schema, [new PrimitiveColumn<double>(DataType.Float64, [value]), new PrimitiveColumn<long>(DataType.Timestamp, [0L])], 1);
        Assert.Equal($$"""{"v":{{expected}}}""" + "\n", Encode(batch, s_json));
    }

    [Fact]
    public void Encodes_rows_in_schema_order_with_nulls_timestamps_json_and_nesting()
    {
        var schema = new Schema(
        [
            new Field("s", DataType.Utf8), new Field("n", DataType.Int64), new Field("t", DataType.Timestamp),
            new Field("j", DataType.Json), new Field("d", DataType.Decimal(10, 2)),
            new Field("st", DataType.Struct([new Field("x", DataType.Int32)])), new Field("l", DataType.List(DataType.Int64)),
            new Field("_is_retract", DataType.Boolean), new Field("_timestamp", DataType.Timestamp),
        ]);
        var t = Timestamps.FromDateTime(new DateTime(2023, 10, 9, 17, 13, 40, 200, DateTimeKind.Utc));
        var batch = new Batch(schema,
        [
            StringColumn.FromStrings(["a\"\n", null]),
            new PrimitiveColumn<long>(DataType.Int64, [1L, 0L], new Bitmap(2) { }),
            new PrimitiveColumn<long>(DataType.Timestamp, [t, t - 200_000_000]),
            StringColumn.FromStrings(["\"pickup\"", "null"], DataType.Json),
            new PrimitiveColumn<decimal>(DataType.Decimal(10, 2), [1.5m, 2m]),
            Column.Constant(DataType.Struct([new Field("x", DataType.Int32)]), new object?[] { 7 }, 2),
            Column.Constant(DataType.List(DataType.Int64), new object?[] { 1L, 2L }, 2),
            new PrimitiveColumn<bool>(DataType.Boolean, [false, false]),
            new PrimitiveColumn<long>(DataType.Timestamp, [0L, 0L]),
        ], 2);
        var lines = Encode(batch, s_json).Split('\n');
        Assert.Equal("""{"s":"a\"\n","n":null,"t":"2023-10-09T17:13:40.200","j":"\"pickup\"","d":1.50,"st":{"x":7},"l":[1,2]}""", lines[0]);
        Assert.Equal("""{"s":null,"n":null,"t":"2023-10-09T17:13:40","j":"null","d":2.00,"st":{"x":7},"l":[1,2]}""", lines[1]);
        Assert.Contains("\"t\":1696871620200", Encode(batch, s_json with { TimestampFormat = TimestampFormat.UnixMillis }));
    }

    [Fact]
    public void Raw_string_reads_and_writes_lines()
    {
        var schema = ConnectorTestKit.SchemaOf(new Field("value", DataType.Utf8));
        var batch = Decode(schema, new FormatSettings(FormatKind.RawString), "hello world\r", "{not json");
        Assert.Equal("hello world", batch.GetRow(0)[0]);
        Assert.Equal("hello world\n{not json\n", Encode(batch, new FormatSettings(FormatKind.RawString)));
    }

    [Fact]
    public void Debezium_records_decode_to_retractions_and_inserts()
    {
        var schema = new Schema([new Field("id", DataType.Int32), new Field("name", DataType.Utf8),
            new Field("_is_retract", DataType.Boolean), new Field("_timestamp", DataType.Timestamp)]);
        var format = new FormatSettings(FormatKind.DebeziumJson) { TimestampFormat = TimestampFormat.UnixMillis };
        var decoder = RecordDecoder.Create(format, schema);
        Assert.True(decoder.TryDecode("""{"before":null,"after":{"id":1,"name":"a"},"source":{"x":1},"op":"c"}"""u8, out _));
        Assert.True(decoder.TryDecode("""{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}"""u8, out _));
        Assert.False(decoder.TryDecode("""{"before":{"id":1,"name":"a"},"after":{"id":"x"},"op":"u"}"""u8, out _));
        Assert.True(decoder.TryDecode("""{"before":{"id":1,"name":"b"},"after":null,"op":"d"}"""u8, out _));
        var rows = ConnectorTestKit.Rows([decoder.Flush(0)!]);
        Assert.Equal(
            [[1, "a", false, 0L], [1, "a", true, 0L], [1, "b", false, 0L], [1, "b", true, 0L]],
            rows.Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void Debezium_sink_writes_creates_deletes_and_keyed_updates()
    {
        var schema = new Schema([new Field("k", DataType.Utf8), new Field("c", DataType.Int64), new Field("t", DataType.Timestamp),
            new Field("_is_retract", DataType.Boolean), new Field("_timestamp", DataType.Timestamp)]);
        var batch = new Batch(schema,
        [
            StringColumn.FromStrings(["a", "b", "a", "c", "b", "d", "d", "e", "e", "e"]),
            new PrimitiveColumn<long>(DataType.Int64, [1L, 5L, 2L, 7L, 6L, 1L, 1L, 1L, 1L, 2L]),
            new PrimitiveColumn<long>(DataType.Timestamp, [1734539354748899L, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            new PrimitiveColumn<bool>(DataType.Boolean, [true, true, false, false, false, false, true, false, true, false]),
            new PrimitiveColumn<long>(DataType.Timestamp, [0L, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ], 10);
        var format = new FormatSettings(FormatKind.DebeziumJson) { TimestampFormat = TimestampFormat.UnixMillis };
        // As the reference's ToDebeziumExec: per key, in order of first appearance, the first row
        // before and the last after; an insert retracted in the same batch (d) writes nothing.
        var keyed = Encode(batch, format, [0]).TrimEnd('\n').Split('\n');
        Assert.Equal(
        [
            """{"before":{"k":"a","c":1,"t":1734539354},"after":{"k":"a","c":2,"t":0},"op":"u"}""",
            """{"before":{"k":"b","c":5,"t":0},"after":{"k":"b","c":6,"t":0},"op":"u"}""",
            """{"before":null,"after":{"k":"c","c":7,"t":0},"op":"c"}""",
            """{"before":null,"after":{"k":"e","c":2,"t":0},"op":"c"}""",
        ], keyed);
        var unkeyed = Encode(batch, format).TrimEnd('\n').Split('\n');
        Assert.Equal(10, unkeyed.Length);
        Assert.EndsWith("\"op\":\"d\"}", unkeyed[0]);
        Assert.EndsWith("\"op\":\"c\"}", unkeyed[2]);
    }

    [Fact]
    public void Debezium_sink_merges_a_global_aggregate_change_into_one_update()
    {
        var schema = new Schema([new Field("n", DataType.Int64), new Field("_is_retract", DataType.Boolean), new Field("_timestamp", DataType.Timestamp)]);
        var batch = new Batch(schema,
        [
            new PrimitiveColumn<long>(DataType.Int64, [3L, 4L]),
            new PrimitiveColumn<bool>(DataType.Boolean, [true, false]),
            new PrimitiveColumn<long>(DataType.Timestamp, [0L, 0L]),
        ], 2);
        var lines = Encode(batch, new FormatSettings(FormatKind.DebeziumJson), []).TrimEnd('\n').Split('\n');
        Assert.Equal(["""{"before":{"n":3},"after":{"n":4},"op":"u"}"""], lines);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("json_unread")]
    [InlineData("json_unstructured")]
    [InlineData("debezium_json")]
    [InlineData("raw_string")]
    public void Invalid_utf8_is_a_bad_record_in_every_text_format(string format)
    {
        var text = ConnectorTestKit.SchemaOf(new Field("a", DataType.Utf8), new Field("b", DataType.Int64));
        var (settings, schema, usage, good, bad) = format switch
        {
            "json" => (s_json, text, null, "{\"a\":\"ok\",\"b\":1}"u8.ToArray(), "{\"a\":\"bad\xff\",\"b\":2}"),
            // The planner proved nobody reads `a`: still checked.
            "json_unread" => (s_json, text, new Arroyo.Dataflow.ColumnUsage([null, Arroyo.Dataflow.FieldUsage.All, Arroyo.Dataflow.FieldUsage.All]),
                "{\"a\":\"ok\",\"b\":1}"u8.ToArray(), "{\"a\":\"bad\xff\",\"b\":2}"),
            "json_unstructured" => (s_json with { Unstructured = true }, ConnectorTestKit.SchemaOf(new Field("value", DataType.Json)), null,
                "{\"a\":\"ok\"}"u8.ToArray(), "{\"a\":\"bad\xff\"}"),
            "debezium_json" => (new FormatSettings(FormatKind.DebeziumJson), UpdatingText, null,
                "{\"before\":null,\"after\":{\"a\":\"ok\"},\"op\":\"c\"}"u8.ToArray(), "{\"before\":null,\"after\":{\"a\":\"bad\xff\"},\"op\":\"c\"}"),
            _ => (new FormatSettings(FormatKind.RawString), ConnectorTestKit.SchemaOf(new Field("value", DataType.Utf8)), null,
                "ok"u8.ToArray(), "bad\xff"),
        };
        var decoder = RecordDecoder.Create(settings, schema, usage);
        // The bad record: the text's \xff stands for the single byte 0xff.
        var badBytes = bad.Select(ch => (byte)ch).ToArray();
        Assert.True(decoder.TryDecode(good, out _));
        Assert.False(decoder.TryDecode(badBytes, out var error));
        Assert.Contains("not valid UTF-8", error);
        Assert.Contains("0xff", error);
        Assert.True(decoder.TryDecode(good, out _));
        Assert.Equal(2, decoder.Flush(0)!.RowCount);
    }

    private static readonly Schema s_updatingText = new([new Field("a", DataType.Utf8), new Field("_is_retract", DataType.Boolean, false),
        new Field("_timestamp", DataType.Timestamp, false)]);

    private static Schema UpdatingText => s_updatingText;
}
