using System.Text;
using Arroyo.Cli.Composition;
using Arroyo.Core.Types;
using Arroyo.Formats;
using Arroyo.Planner;
using static Arroyo.Engine.Tests.Expressions.SqlExprKit;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>
/// The string, regex, time, hashing, core, map and JSON functions added for DataFusion 48
/// parity: the reference's doc examples first, then DataFusion's documented edge cases.
/// </summary>
public sealed class ScalarFunctionFamilyTests
{
    [Theory]
    // Examples on the reference's string and regex pages.
    [InlineData("substr_index('www.apache.org', '.', 1)", "www")]
    [InlineData("substr_index('www.apache.org', '.', -1)", "org")]
    [InlineData("find_in_set('b', 'a,b,c,d')", "2")]
    [InlineData("regexp_like('Köln', '[a-zA-Z]ö[a-zA-Z]{2}')", "true")]
    [InlineData("regexp_match('Köln', '[a-zA-Z]ö[a-zA-Z]{2}')", "[Köln]")]
    // DataFusion's documentation and sqllogictests.
    [InlineData("substr_index('www.apache.org', '.', 2)", "www.apache")]
    [InlineData("substr_index('www.apache.org', '.', -2)", "apache.org")]
    [InlineData("substring_index('www.apache.org', '.', 5)", "www.apache.org")]
    [InlineData("substr_index('www.apache.org', '.', 0)", "")]
    [InlineData("substr_index('a::b::c', '::', -1)", "c")]
    [InlineData("find_in_set('x', 'a,b')", "0")]
    [InlineData("find_in_set('', '')", "0")]
    [InlineData("contains('the quick brown fox', 'row')", "true")]
    [InlineData("contains('abc', 'd')", "false")]
    [InlineData("contains(NULL, 'd')", "NULL")]
    [InlineData("regexp_count('abcAbAbc', 'abc', 1, 'i')", "2")]
    [InlineData("regexp_count('abcabc', 'b')", "2")]
    [InlineData("regexp_count('abcabc', 'b', 3)", "1")]
    [InlineData("regexp_count('日本日本', '本', 2)", "2")]
    [InlineData("regexp_instr('ABCDEF', 'C(.)(..)')", "3")]
    [InlineData("regexp_instr('ABCDEF', 'C(.)(..)', 1, 1, '', 2)", "5")]
    [InlineData("regexp_instr('abab', 'b', 1, 2)", "4")]
    [InlineData("regexp_instr('abab', 'z')", "0")]
    [InlineData("regexp_instr('日本語', '語')", "3")]
    public void Strings_and_regex(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Theory]
    // Examples on the reference's time-and-date page.
    [InlineData("to_char('2023-03-01'::date, '%d-%m-%Y')", "01-03-2023")]
    [InlineData("CAST(to_timestamp_millis('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56.123")]
    [InlineData("CAST(to_timestamp_micros('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56.123456")]
    [InlineData("CAST(to_timestamp_nanos('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56.123456789")]
    [InlineData("CAST(to_timestamp_seconds('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56")]
    // chrono specifiers (DataFusion's to_char examples and chrono's documentation).
    [InlineData("date_format(TIMESTAMP '2023-03-01 14:05:09.123456', '%Y/%m/%d %H:%M:%S%.3f')", "2023/03/01 14:05:09.123")]
    [InlineData("to_char(TIMESTAMP '2023-03-01 14:05:09.5', '%a %b %e %I:%M %p %j %.f')", "Wed Mar  1 02:05 PM 060 .500")]
    [InlineData("to_char(TIMESTAMP '2023-03-01 14:05:09', '%A %B %-d %y %T %%')", "Wednesday March 1 23 14:05:09 %")]
    [InlineData("to_char(TIMESTAMP '2021-01-03 00:00:00', '%G-W%V-%u %U %W')", "2020-W53-7 01 00")]
    [InlineData("to_char(TIMESTAMP '2023-03-01 14:05:09', '%F %R %s')", "2023-03-01 14:05 1677679509")]
    [InlineData("to_char(NULL, '%Y')", "NULL")]
    [InlineData("CAST(to_local_time(TIMESTAMP '2024-04-01 00:00:20') AS TEXT)", "2024-04-01T00:00:20")]
    public void Time(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Fact]
    public void Current_time_and_today_are_volatile_calls_of_the_right_types()
    {
        Assert.Equal(DataType.Time, TypeOf("current_time()"));
        Assert.Equal(DataType.Date, TypeOf("today()"));
        Assert.Equal(DataType.Timestamp, TypeOf("to_local_time(now())"));
        Assert.Contains("invalid format", Error("to_char(TIMESTAMP '2023-03-01 00:00:00', '%Q')"));
        Assert.Contains("accepted: to_char(TIMESTAMP | DATE | TIME, TEXT)", Error("to_char(1, '%Y')"));
    }

    [Theory]
    // Values from b3sum and Python's hashlib (independent implementations of BLAKE3 / RFC 7693).
    [InlineData("digest('', 'blake3')", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData("digest('abc', 'blake3')", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85")]
    [InlineData("digest(repeat('x', 3000), 'blake3')", "b9286c032f8d2f6b76b5d0728d017569dcd41cbb320ae80aadf40e8cef627c12")]
    [InlineData("digest(repeat('y', 1025), 'blake3')", "df6aef3d8117c91f42d68f7b64b2b780bd771f62420703163a4ac48d8ac4e3e1")]
    [InlineData("digest(repeat('z', 5000), 'blake3')", "d2ebc5f097081404b043a0cb98ac8f089374be3f581f5d03559973a0965ae5c6")]
    [InlineData("digest('abc', 'blake2b')", "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")]
    [InlineData("digest('abc', 'blake2s')", "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")]
    [InlineData("digest('', 'blake2b')", "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce")]
    [InlineData("digest('', 'blake2s')", "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9")]
    [InlineData("digest(repeat('x', 300), 'BLAKE2B')", "fe42f4108dd98f9b4f19fb21f386dfbe9a860256176e0312a1f0de66a3aed2a5ed361a16f6128fe27b6c88d8f39eeaddca46f1c2c9357965f893d0a7d64bd1cb")]
    [InlineData("digest(repeat('x', 300), 'blake2s')", "72cf091f39bb5de7119785d2d64dcfd7bb6b95690197c817d7fbe48b9a52bf8c")]
    public void Digest_blake_family(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Fact]
    public void Digest_names_the_algorithms_it_knows() =>
        Assert.Contains("blake2b, blake2s, blake3", Error("digest('a', 'sha1')"));

    [Theory]
    // The reference's "other" page, and DataFusion's arrow_typeof / arrow_cast tests.
    [InlineData("arrow_typeof('foo')", "Utf8")]
    [InlineData("arrow_typeof(1)", "Int64")]
    [InlineData("arrow_cast(-5, 'Int8')", "-5")]
    [InlineData("arrow_cast('foo', 'Dictionary(Int32, Utf8)')", "foo")]
    [InlineData("arrow_cast('bar', 'LargeUtf8')", "bar")]
    [InlineData("arrow_typeof(arrow_cast(-5, 'Int8'))", "Int8")]
    [InlineData("arrow_typeof(arrow_cast('2023-01-02T12:53:02', 'Timestamp(Microsecond, None)'))", "Timestamp(Nanosecond, None)")]
    [InlineData("arrow_typeof(arrow_cast(1.5, 'Decimal128(10, 2)'))", "Decimal128(10, 2)")]
    [InlineData("arrow_typeof(1.5)", "Float64")]
    [InlineData("arrow_typeof(DATE '2024-01-01')", "Date32")]
    [InlineData("arrow_typeof(INTERVAL '1 day')", "Interval(MonthDayNano)")]
    [InlineData("arrow_typeof([1])", "List(Field { name: \"item\", data_type: Int64, nullable: true, dict_id: 0, dict_is_ordered: false, metadata: {} })")]
    [InlineData("arrow_typeof(arrow_cast([1, 2], 'List(Int32)'))", "List(Field { name: \"item\", data_type: Int32, nullable: true, dict_id: 0, dict_is_ordered: false, metadata: {} })")]
    public void Arrow_types(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Theory]
    [InlineData("arrow_cast(1, 'Int9')", "'Int9' is not an Arrow type")]
    [InlineData("arrow_cast(1, 'Timestamp(Second, Some(\"+08:00\"))')", "time zone")]
    [InlineData("arrow_cast(1, 'Int32(')", "missing ')'")]
    [InlineData("arrow_cast(1, 'Decimal128(50, 2)')", "precision must be 1 to 38")]
    [InlineData("union_tag(1)", "no UNION type")]
    [InlineData("union_extract(1, 'a')", "no UNION type")]
    [InlineData("metadata('offset')", "GENERATED ALWAYS AS (metadata('key'))")]
    public void Core_refusals_say_why(string sql, string message) => Assert.Contains(message, Error(sql));

    [Fact]
    public void Version_and_multi_hash()
    {
        Assert.StartsWith("Arroyo (C#) ", Eval("version()"));
        Assert.Equal(DataType.Binary, TypeOf("multi_hash(1, 'a')"));
        Assert.Equal(32, Eval("multi_hash(1, 'a')").Length);
        Assert.Equal(Eval("multi_hash(1, 'a', NULL)"), Eval("multi_hash(1, 'a', NULL)"));
        Assert.NotEqual(Eval("multi_hash('ab', 'c')"), Eval("multi_hash('a', 'bc')"));
        Assert.NotEqual(Eval("multi_hash(1, NULL)"), Eval("multi_hash(NULL, 1)"));
    }

    [Theory]
    // DataFusion's map documentation.
    [InlineData("CAST(map(['POST', 'HEAD', 'PATCH'], [41, 33, NULL]) AS TEXT)", "{POST: 41, HEAD: 33, PATCH: NULL}")]
    [InlineData("CAST(map([[1, 2], [3, 4]], ['a', 'b']) AS TEXT)", "{[1, 2]: a, [3, 4]: b}")]
    [InlineData("CAST(make_map('POST', 41, 'HEAD', 33, 'PATCH', NULL) AS TEXT)", "{POST: 41, HEAD: 33, PATCH: NULL}")]
    [InlineData("CAST(map('type', 'test') AS TEXT)", "{type: test}")]
    [InlineData("map_extract(make_map('a', 1, 'b', NULL, 'c', 3), 'a')", "[1]")]
    [InlineData("map_extract(make_map(1, 'one', 2, 'two'), 2)", "[two]")]
    [InlineData("element_at(make_map('a', 1), 'z')", "[]")]
    [InlineData("map_keys(make_map('a', 1, 'b', 2))", "[a, b]")]
    [InlineData("map_values(make_map('a', 1, 'b', 2))", "[1, 2]")]
    [InlineData("map_values(map(['x'], [NULL]))", "[NULL]")]
    [InlineData("cardinality(make_map('a', 1, 'b', 2))", "2")]
    [InlineData("map_entries(make_map('a', 1))", "[[a, 1]]")]
    public void Maps(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Fact]
    public void Map_type_and_errors()
    {
        var type = TypeOf("make_map('a', 1)");
        Assert.True(type.IsMap);
        Assert.Equal("MAP<TEXT, BIGINT>", type.ToString());
        Assert.Equal(DataType.Map(DataType.Utf8, DataType.Int64), type);
        Assert.NotEqual(DataType.List(type.Element!), type);
        Assert.Contains("duplicate key found: a", Error("make_map('a', 1, 'a', 2)"));
        Assert.Contains("map key cannot be null", Error("map([NULL, 'a'], [1, 2])"));
        Assert.Contains("2 keys but 1 values", Error("map(['a', 'b'], [1])"));
        Assert.Contains("accepted: map_keys(MAP)", Error("map_keys([1])"));
        Assert.Contains("key, value pairs", Error("make_map('a')"));
    }

    [Fact]
    public void A_json_sink_writes_a_map_as_an_object()
    {
        var batch = ExprTestKit.Batch(
            ("m", DataType.Map(DataType.Utf8, DataType.Int64), [new object?[] { new object?[] { "a", 1L }, new object?[] { "b", null } }, new object?[0], null]),
            ("n", DataType.Map(DataType.Int32, DataType.Utf8), [new object?[] { new object?[] { 7, "x" } }, null, null]));
        var buffer = new ByteBuffer();
        RecordEncoder.Create(new FormatSettings(FormatKind.Json), batch.Schema, null).Encode(batch, buffer);
        Assert.Equal("{\"m\":{\"a\":1,\"b\":null},\"n\":{\"7\":\"x\"}}\n{\"m\":{},\"n\":null}\n{\"m\":null,\"n\":null}\n", Encoding.UTF8.GetString(buffer.Written));
    }

    [Theory]
    [InlineData("json_object_keys('{\"a\": 1, \"b\": {\"c\": 2}}')", "[a, b]")]
    [InlineData("json_object_keys('{\"a\": 1, \"b\": {\"c\": 2}}', 'b')", "[c]")]
    [InlineData("json_object_keys('[1, 2]')", "NULL")]
    [InlineData("json_object_keys('not json')", "NULL")]
    public void Json_object_keys(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    /// <summary>Every function and alias named on the reference's pages sql/scalar-functions/* (EXTRACT is syntax, row_time the planner's).</summary>
    private static readonly string[] s_referencePageFunctions =
    [
        "abs", "acos", "acosh", "array_append", "array_cat", "array_concat", "array_contains",
        "array_dims", "array_distinct", "array_element", "array_empty", "array_except", "array_extract",
        "array_fill", "array_has", "array_has_all", "array_has_any", "array_indexof", "array_intersect",
        "array_join", "array_length", "array_ndims", "array_pop_back", "array_pop_front", "array_position",
        "array_positions", "array_prepend", "array_push_back", "array_push_front", "array_remove",
        "array_remove_all", "array_remove_n", "array_repeat", "array_replace", "array_replace_all",
        "array_replace_n", "array_resize", "array_reverse", "array_slice", "array_sort", "array_to_string",
        "array_union", "arrow_cast", "arrow_typeof", "ascii", "asin", "asinh", "atan", "atan2", "atanh",
        "bit_length", "btrim", "cardinality", "cbrt", "ceil", "char_length", "character_length", "chr",
        "coalesce", "concat", "concat_ws", "cos", "cosh", "date_bin", "date_format", "date_part",
        "date_trunc", "datepart", "datetrunc", "decode", "degrees", "digest", "empty", "encode",
        "ends_with", "exp", "factorial", "find_in_set", "flatten", "floor", "from_unixtime", "gcd",
        "generate_series", "ifnull", "initcap", "instr", "isnan", "iszero", "lcm", "left", "length",
        "levenshtein", "list_append", "list_cat", "list_concat", "list_dims", "list_distinct",
        "list_element", "list_empty", "list_except", "list_extract", "list_has", "list_has_all",
        "list_has_any", "list_indexof", "list_intersect", "list_join", "list_length", "list_ndims",
        "list_pop_back", "list_pop_front", "list_position", "list_positions", "list_prepend",
        "list_push_back", "list_push_front", "list_remove", "list_remove_all", "list_remove_n",
        "list_repeat", "list_replace", "list_replace_all", "list_replace_n", "list_resize", "list_reverse",
        "list_slice", "list_sort", "list_to_string", "list_union", "ln", "log", "log10", "log2", "lower",
        "lpad", "ltrim", "make_array", "make_date", "make_list", "md5", "nanvl", "now", "nullif", "nvl",
        "nvl2", "octet_length", "overlay", "pi", "position", "pow", "power", "radians", "random", "range",
        "regexp_like", "regexp_match", "regexp_replace", "repeat", "replace", "reverse", "right", "round",
        "rpad", "rtrim", "sha224", "sha256", "sha384", "sha512", "signum", "sin", "sinh", "split_part",
        "sqrt", "starts_with", "string_to_array", "string_to_list", "strpos", "struct", "substr",
        "substr_index", "tan", "tanh", "to_char", "to_hex", "to_timestamp", "to_timestamp_micros",
        "to_timestamp_millis", "to_timestamp_nanos", "to_timestamp_seconds", "translate", "trim",
        "trim_array", "trunc", "upper", "uuid",
        "json_contains", "json_get", "json_get_str", "json_get_int", "json_get_float", "json_get_bool", "json_get_json",
        "json_as_text", "json_length", "extract_json", "extract_json_string",
    ];

    /// <summary>The functions issue 16 names beyond the reference's pages (DataFusion 48 and the reference's own).</summary>
    private static readonly string[] s_issueFunctions =
    [
        "contains", "regexp_count", "regexp_instr", "current_time", "today", "to_local_time", "version", "union_extract",
        "union_tag", "map", "make_map", "map_extract", "map_keys", "map_values", "json_object_keys", "multi_hash", "metadata",
        "array_distance", "array_max", "array_min", "array_any_value", "array_empty", "list_any_value",
    ];

    [Fact]
    public void Every_function_of_the_reference_pages_and_the_issue_is_registered()
    {
        var missing = s_referencePageFunctions.Concat(s_issueFunctions).Where(f => !TestFunctions.Scalar.IsScalarFunction(f)).ToList();
        Assert.True(missing.Count == 0, "not registered: " + string.Join(", ", missing));
        Assert.Equal("2024", Eval("extract(year FROM TIMESTAMP '2024-05-06 00:00:00')"));
    }

    [Fact]
    public void A_metadata_generated_column_is_a_metadata_column()
    {
        const string With = "WITH (connector = 'kafka', bootstrap_servers = 'localhost:9092', topic = 't', type = 'source', format = 'json')";
        var options = new PlanOptions { Connectors = BuiltIns.Connectors(), Functions = TestFunctions.Builtins };
        var generated = PipelinePlanner.Plan($"CREATE TABLE k (v TEXT, off BIGINT GENERATED ALWAYS AS (metadata('offset_id')) STORED) {With};\nSELECT v, off FROM k", options);
        var metadataFrom = PipelinePlanner.Plan($"CREATE TABLE k (v TEXT, off BIGINT METADATA FROM 'offset_id') {With};\nSELECT v, off FROM k", options);
        Assert.Equal(metadataFrom.ToJson(), generated.ToJson());
        var error = Assert.ThrowsAny<Exception>(() => PipelinePlanner.Plan($"CREATE TABLE k (v TEXT, off BIGINT GENERATED ALWAYS AS (metadata(1)) STORED) {With};\nSELECT v FROM k", options));
        Assert.Contains("single literal string argument", error.Message);
    }
}
