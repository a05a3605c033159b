using System.Text;
using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Formats;
using Arroyo.Formats.Json;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>
/// The byte-level JSON path against the <c>Utf8JsonReader</c> one: every record gives the same
/// row or the same error through both, alone and mixed into one batch with others.
/// </summary>
public sealed class JsonFastPathTests
{
    private static readonly Schema s_schema = ConnectorTestKit.SchemaOf(
        new Field("b", DataType.Boolean), new Field("i8", DataType.Int8), new Field("i16", DataType.Int16),
        new Field("i32", DataType.Int32), new Field("i64", DataType.Int64), new Field("u8", DataType.UInt8),
        new Field("u32", DataType.UInt32), new Field("u64", DataType.UInt64), new Field("f", DataType.Float64),
        new Field("r", DataType.Float32), new Field("s", DataType.Utf8), new Field("note", DataType.Utf8),
        new Field("t", DataType.Timestamp), new Field("j", DataType.Json), new Field("id", DataType.Int64, Nullable: false));

    // `note` (column 11) is never read downstream.
    private static readonly ColumnUsage s_usage = new([.. Enumerable.Range(0, 16).Select(i => i == 11 ? null : FieldUsage.All)]);

    public static TheoryData<string> Records => new(s_records);

    private static readonly string[] s_records =
    [
        // The common shape, every type.
        """{"b":true,"i8":-128,"i16":32767,"i32":-2147483648,"i64":-9000000000,"u8":255,"u32":4294967295,"u64":18446744073709551615,"f":1.5e3,"r":0.1,"s":"plain","note":"unread","t":"2023-09-18T14:23:10Z","j":{"x":[1,{"y":null}]},"id":1}""",
        """{"id":2}""",
        """ { "id" : 3 , "b" : false , "s" : "x" } """,
        """{"id":4,"b":null,"i64":null,"s":null,"t":null,"j":null,"note":null}""",
        // Keys in another order, another case, repeated (the first wins), unknown ones of every kind.
        """{"s":"a","id":5,"I64":7,"i64":8,"S":"b","other":[1,2,{"z":"w"}],"more":{"k":true},"n":-0.5e-3,"q":"\u00e9","z":null}""",
        // Text: escapes, unicode, numbers and booleans kept as text, control characters refused.
        """{"id":6,"s":"tab\there \"quoted\" back\\slash \/ \b\f\n\r"}""",
        """{"id":7,"s":"\u00e9\ud83d\ude00 é 😀 中文"}""",
        """{"id":8,"s":12.50,"note":"\ud800"}""",
        """{"id":9,"s":true}""",
        "{\"id\":10,\"s\":\"line\nbreak\"}",
        """{"id":11,"s":"\ud800"}""",
        // Numbers: exponents, edges, out of range, in strings, malformed.
        """{"id":12,"i64":9223372036854775807,"u64":0,"f":-0,"r":3.4e38}""",
        """{"id":13,"i64":-9223372036854775808}""",
        """{"id":14,"i64":9223372036854775808}""",
        """{"id":15,"i8":128}""",
        """{"id":16,"u8":-1}""",
        """{"id":17,"i32":"17","u32":"18"}""",
        """{"id":18,"i64":1.0,"i32":1e3}""",
        """{"id":19,"i64":1.5}""",
        """{"id":20,"i64":01}""",
        """{"id":21,"f":"NaN","r":"-inf"}""",
        """{"id":22,"f":1e400}""",
        """{"id":23,"f":.5}""",
        """{"id":24,"f":1.}""",
        """{"id":25,"b":"TRUE"}""",
        """{"id":26,"b":1}""",
        // Timestamps: text forms, numbers, bad ones.
        """{"id":27,"t":"2023-10-09T17:13:20.200+00:00"}""",
        """{"id":28,"t":1695067737000000000}""",
        """{"id":29,"t":"2023-10-09 17:13:40"}""",
        """{"id":30,"t":"yesterday"}""",
        """{"id":31,"t":"2023\u002d10-09T17:13:20Z"}""",
        """{"id":32,"t":1.5}""",
        // Raw JSON column.
        """{"id":33,"j":"text"}""",
        """{"id":34,"j":[1,2,3],"s":"after"}""",
        """{"id":35,"j":-1.5e2}""",
        // Structure errors.
        """{"id":36,"s":"x",}""",
        """{"id":37 "s":"x"}""",
        """{"id":38,"s":"x"} extra""",
        """{"id":39,"s":"x"}{"id":40}""",
        """{"id":41,"s":"unterminated}""",
        """{"id":42,"other":[1,2}""",
        """{"id":43,"other":{"a":tru}}""",
        """[1,2,3]""",
        "\"just a string\"",
        "42",
        "{",
        "{}",
        """{"s":"no id"}""",
        """{"id":null}""",
        """{"id":"44"}""",
        """{"i\u0064":45}""",
        """{"id":46,"s":{"nested":1}}""",
        """{"id":47,"s":[1]}""",
        """{"id":48,"nul":nul}""",
        """{"id":49,"x":true1}""",
        """{'id':50}""",
        """{"id":51,"x":"\q"}""",
        """{"id":52,"x":"\u12"}""",
        """{"id":53} """,
        // Keys that start like the expected one, or hold it with an escape.
        """{"b":true,"i8x":5,"i8":6,"i1":7,"id":54}""",
        """{"b":false,"i\u0038":9,"id":55}""",
        """{"b":false,"i8\"":9,"id":56}""",
        // Raw (unescaped) non-ASCII text in kept, unread, skipped and raw JSON values and in keys.
        """{"id":57,"s":"é 😀 中文 raw","note":"ünread"}""",
        """{"id":58,"j":{"k":"中"},"other":["ß",{"ä":"ö"}],"s":"ok"}""",
        """{"id":59,"ключ":"значение","s":"après"}""",
        """{"id":60,"j":"ça"}""",
        // Strings longer than one vector block, with the stop byte at and after a block edge.
        """{"id":61,"s":"0123456789abcdef0123456789abcde\"","note":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}""",
        """{"id":62,"s":"0123456789abcdef0123456789abcdef0123456789abcdef\n0123456789abcdef0123456789abcdéf0123456789abcdef"}""",
        // Timestamps in the canonical shape at its edges, and near misses that the general parser decides.
        """{"id":66,"t":"2024-02-29T23:59:59.999999999Z"}""",
        """{"id":67,"t":"2023-02-29T00:00:00Z"}""",
        """{"id":68,"t":"1969-12-31T23:59:59.5"}""",
        """{"id":69,"t":"0001-01-01T00:00:00Z"}""",
        """{"id":70,"t":"9999-12-31T23:59:59.1234567891234Z"}""",
        """{"id":71,"t":"2023-09-18T14:23:60Z"}""",
        """{"id":72,"t":"2023-09-18t14:23:10z"}""",
        """{"id":73,"t":"2023-09-18T14:23:10.Z"}""",
        """{"id":74,"t":"2023-09-18T24:00:00"}""",
        """{"id":75,"t":"2023-13-01T00:00:00"}""",
        """{"id":76,"t":"2023-09-18T14:23:10Zjunk"}""",
        """{"id":77,"t":"2023-09-18T14:2a:10Z"}""",
        // Integers read in one pass: signs, zeros, the 18- and 19-digit edge, what follows the digits.
        """{"id":78,"i64":-0,"u32":0,"i8":-0}""",
        """{"id":79,"u32":-0}""",
        """{"id":80,"i64":-}""",
        """{"id":81,"i64":-01}""",
        """{"id":82,"i64":00}""",
        """{"id":83,"i64":123456789012345678,"t":-123456789012345678}""",
        """{"id":84,"i64":1234567890123456789,"t":1234567890123456789}""",
        """{"id":85,"i64":1E2}""",
        """{"id":86,"i64":7e}""",
        """{"id":87,"i64":12a}""",
        """{"id":88,"t":-5,"i16":-32768}""",
        """{"id":78,"t":"0000-01-01T00:00:00Z"}""",
        // Valid non-ASCII outside strings is a syntax error.
        """{"id":64,"s":"x"}é""",
        """{"id":65,é:1}""",
        "{\"id\":63,\"s\":\"0123456789abcdef0123456789abcdef0123456789abcdef\u0001\"}",
    ];

    public static TheoryData<byte[]> InvalidUtf8Records => new(
    [
        // A lone continuation byte, an overlong form, a surrogate, a truncated sequence, a byte never in UTF-8:
        // in a kept string, an unread one, an unknown key's value, a skipped nested value, a raw JSON value, a key, and outside strings.
        Utf8("""{"id":1,"s":"a"""u8, [0x80], "\"}"u8),
        Utf8("""{"id":2,"note":"0123456789abcdef0123456789abcdef"""u8, [0xC0, 0xAF], "\"}"u8),
        Utf8("""{"id":3,"other":"x"""u8, [0xED, 0xA0, 0x80], "\"}"u8),
        Utf8("""{"id":4,"other":{"k":["x"""u8, [0xE4, 0xB8], "\"]}}"u8),
        Utf8("""{"id":5,"j":{"k":"x"""u8, [0xFF], "\"}}"u8),
        Utf8("""{"id":6,"k"""u8, [0xF8, 0x88, 0x80, 0x80, 0x80], "\":1}"u8),
        Utf8("""{"id":7,"s":"x"}"""u8, [0xC3], ""u8),
        Utf8("""{"id":8,"s":"trailing """u8, [0xE4, 0xB8, 0xAD, 0xE4], "\"}"u8),
    ]);

    private static byte[] Utf8(ReadOnlySpan<byte> before, byte[] bad, ReadOnlySpan<byte> after) => [.. before, .. bad, .. after];

    [Theory]
    [MemberData(nameof(InvalidUtf8Records))]
    public void Invalid_UTF8_anywhere_in_a_record_is_refused_with_the_same_error_through_both_readers(byte[] record)
    {
        var full = DecodeOne(record, fastPath: false);
        var fast = DecodeOne(record, fastPath: true);
        Assert.False(fast.Ok);
        Assert.Contains("not valid UTF-8", fast.Error);
        Assert.Equal(full.Error, fast.Error);
    }

    [Fact]
    public void The_canonical_timestamp_parser_agrees_with_the_general_one()
    {
        var random = new Random(3339);
        string[] fractions = ["", ".5", ".123", ".000001", ".123456789", ".1234567891", ".", ".x"];
        string[] ends = ["", "Z", "z", "+01:30", "Zx", " "];
        for (var trial = 0; trial < 20000; trial++)
        {
            // Fields mostly in range, sometimes just past it (day 29-31 of every month, hour 24, second 60).
            var text = $"{random.Next(0, 10000):D4}-{random.Next(0, 14):D2}-{random.Next(0, 32):D2}T{random.Next(0, 25):D2}:" +
                $"{random.Next(0, 61):D2}:{random.Next(0, 61):D2}{fractions[random.Next(fractions.Length)]}{ends[random.Next(ends.Length)]}";
            var bytes = Encoding.ASCII.GetBytes(text);
            var general = Arroyo.Core.Time.Timestamps.TryParse(bytes, out var expected);
            var canonical = JsonTimestamps.TryParse(bytes, out var nanos);
            Assert.True(general == canonical, text);
            if (general) Assert.True(expected == nanos, text);
        }
    }

    [Fact]
    public void The_date_kept_from_the_previous_timestamp_gives_what_a_fresh_parse_does()
    {
        // Runs of a few dates, valid and not (Feb 29 of a common year, month 13, a letter in the
        // day), each followed by times in and out of range: the kept date must never let an
        // invalid one through nor give another day's value.
        var random = new Random(1970);
        string[] dates = ["2026-12-05", "2026-12-06", "2024-02-29", "2023-02-29", "2026-13-01", "2026-12-0x", "0000-01-01", "9999-12-31"];
        string[] times = ["T00:00:00", "T23:59:59.999999999", "T12:30:45.5Z", "T24:00:00", "T12:60:00", "T1x:00:00", "T12:00:00+01:00"];
        var cache = default(JsonTimestamps.DateCache);
        for (var trial = 0; trial < 5000; trial++)
        {
            var date = dates[random.Next(3) == 0 ? random.Next(dates.Length) : trial / 500 % dates.Length];
            var text = Encoding.ASCII.GetBytes(date + times[random.Next(times.Length)]);
            var fresh = JsonTimestamps.TryParse(text, out var expected);
            var kept = JsonTimestamps.TryParse(text, ref cache, out var nanos);
            Assert.True(fresh == kept, Encoding.ASCII.GetString(text));
            if (fresh) Assert.True(expected == nanos, Encoding.ASCII.GetString(text));
        }
    }

    [Fact]
    public void The_vectorised_string_search_stops_where_a_byte_by_byte_search_does()
    {
        var random = new Random(15);
        byte[] alphabet = [(byte)'a', (byte)' ', (byte)'"', (byte)'\\', 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xFF];
        for (var trial = 0; trial < 2000; trial++)
        {
            var text = new byte[random.Next(0, 130)];
            random.NextBytes(text);
            // Mostly plain bytes, so that stops land anywhere in and across vector blocks.
            for (var k = 0; k < text.Length; k++) text[k] = random.Next(8) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)'a';
            var expected = Array.FindIndex(text, b => b < 0x20 || b >= 0x80 || b == (byte)'"' || b == (byte)'\\');
            Assert.Equal(expected, JsonStringStops.IndexOf(text));
        }
    }

    private static (bool Ok, string? Error, object?[]? Row) DecodeOne(string record, bool fastPath) =>
        DecodeOne(Encoding.UTF8.GetBytes(record), fastPath);

    private static (bool Ok, string? Error, object?[]? Row) DecodeOne(byte[] record, bool fastPath)
    {
        var decoder = new JsonDecoder(s_schema, new FormatSettings(FormatKind.Json), s_usage, fastPath);
        var ok = decoder.TryDecode(record, out var error);
        var batch = decoder.Flush(7);
        return (ok, error, ok ? batch!.GetRow(0) : null);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void A_record_gives_the_same_row_or_error_through_both_readers(string record)
    {
        var full = DecodeOne(record, fastPath: false);
        var fast = DecodeOne(record, fastPath: true);
        Assert.Equal(full.Ok, fast.Ok);
        Assert.Equal(full.Error, fast.Error);
        Assert.Equal(full.Row, fast.Row);
    }

    [Fact]
    public void A_batch_mixing_fast_records_full_reader_records_and_bad_ones_keeps_every_row_in_place()
    {
        var records = s_records;
        // Every record after every other one, so a half-written row is followed by each kind.
        var sequence = records.SelectMany(a => records.Select(b => (a, b))).SelectMany(p => new[] { p.a, p.b }).ToList();
        Batch? Decode(bool fastPath, out List<string?> errors)
        {
            var decoder = new JsonDecoder(s_schema, new FormatSettings(FormatKind.Json), s_usage, fastPath);
            errors = [];
            foreach (var record in sequence)
            {
                decoder.TryDecode(Encoding.UTF8.GetBytes(record), out var error);
                errors.Add(error);
            }
            return decoder.Flush(7);
        }
        var full = Decode(false, out var fullErrors)!;
        var fast = Decode(true, out var fastErrors)!;
        Assert.Equal(fullErrors, fastErrors);
        Assert.Equal(full.RowCount, fast.RowCount);
        Assert.True(full.RowCount > sequence.Count / 3);
        for (var r = 0; r < full.RowCount; r++) Assert.Equal(full.GetRow(r), fast.GetRow(r));
    }

    [Fact]
    public void The_common_shapes_take_the_fast_path_and_the_rare_ones_do_not()
    {
        var fields = s_schema.Fields.Take(15).ToList();
        var rows = new JsonRowReader(fields, new FormatSettings(FormatKind.Json));
        var fast = rows.Fast!;
        Assert.True(fast.TryRead("""{"b":true,"i64":-9000000000,"f":1.5e3,"s":"tab\t\"q\"","t":"2023-09-18T14:23:10Z","j":{"x":[1]},"other":[1,{"a":2}],"id":1}"""u8));
        Assert.True(fast.TryRead("""{"id":2,"S":"any case","i64":null}"""u8));
        Assert.False(fast.TryRead("""{"id":3,"s":"\u00e9"}"""u8));
        Assert.True(fast.TryRead("""{"id":3,"s":"é 中文 😀","other":{"ä":["ö"]}}"""u8));
        Assert.False(fast.TryRead("""{"id":"4"}"""u8));
        Assert.False(fast.TryRead("""{"s":"no id"}"""u8));
        // A type only the full reader handles turns the fast path off for the whole schema.
        Assert.Null(new JsonRowReader([new Field("d", DataType.Decimal(10, 2))], new FormatSettings(FormatKind.Json)).Fast);
        Assert.Null(new JsonRowReader([new Field("l", DataType.List(DataType.Int64))], new FormatSettings(FormatKind.Json)).Fast);
    }
}
