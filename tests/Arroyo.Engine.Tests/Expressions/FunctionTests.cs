using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using static Arroyo.Engine.Tests.Expressions.ExprTestKit;

namespace Arroyo.Engine.Tests.Expressions;

public sealed class FunctionTests
{
    [Fact]
    public void StringFunctions()
    {
        Assert.Equal("abc", Call("lower", "AbC"));
        Assert.Equal("ÄBC", Call("upper", "äbc"));
        Assert.Equal(3, Call("length", "héé"));
        Assert.Equal(5, Call("octet_length", "héé"));
        Assert.Equal("ab", Call("concat", "a", null, "b"));
        Assert.Equal("a-b", Call("concat_ws", "-", "a", null, "b"));
        Assert.Equal("lph", Call("substr", "alphabet", 2L, 3L));
        Assert.Equal("al", Call("substr", "alphabet", 0L, 3L));
        Assert.Equal("ab", Call("left", "abc", -1L));
        Assert.Equal("bc", Call("right", "abc", 2L));
        Assert.Equal("xyhi", Call("lpad", "hi", 4L, "xy"));
        Assert.Equal("hi  ", Call("rpad", "hi", 4L));
        Assert.Equal("x", Call("btrim", "  x "));
        Assert.Equal("x", Call("trim", "__x_", "_"));
        Assert.Equal("a-c", Call("replace", "abc", "b", "-"));
        Assert.Equal("ababab", Call("repeat", "ab", 3L));
        Assert.Equal("cba", Call("reverse", "abc"));
        Assert.Equal("b", Call("split_part", "a,b,c", ",", 2L));
        Assert.Equal(true, Call("starts_with", "abc", "ab"));
        Assert.Equal(2, Call("strpos", "abc", "b"));
        Assert.Equal("Hello World", Call("initcap", "hELLO wORLD"));
        Assert.Equal(97, Call("ascii", "a"));
        Assert.Equal("A", Call("chr", 65L));
        Assert.Equal("a2x5", Call("translate", "12345", "143", "ax"));
        Assert.Equal("ff", Call("to_hex", 255L));
        Assert.Equal(3, Call("levenshtein", "kitten", "sitting"));
        Assert.Equal("Thomas", Call("overlay", "Txxxxas", "hom", 2L, 4L));
        Assert.Null(Call("upper", new object?[] { null }));
        Assert.Equal(36, ((string)Call("uuid")!).Length);
    }

    [Fact]
    public void ConcatOverColumnsSkipsNullsAndKeepsEachRowApart()
    {
        var batch = Batch(("s", DataType.Utf8, ["é", null, "", null, "x"]), ("t", DataType.Utf8, ["b", "c", null, null, "yz"]),
            ("sep", DataType.Utf8, ["-", "+", "::", "/", null]));
        var s = Col(batch, "s");
        var t = Col(batch, "t");
        var sep = Col(batch, "sep");
        Assert.Equal(["éb", "c", "", "", "xyz"], Eval(TestFunctions.Scalar.BindCall("concat", [s, t]), batch));
        Assert.Equal(["é-b", "c", "", "", null], Eval(TestFunctions.Scalar.BindCall("concat_ws", [sep, s, t]), batch));
        // Empty strings are values: only NULLs are skipped.
        Assert.Equal(["é-b-é", "c", "::", "", null], Eval(TestFunctions.Scalar.BindCall("concat_ws", [sep, s, t, s]), batch));
        // A NULL literal among the arguments, and a number (cast to text as DataFusion does).
        Assert.Equal("a1", SqlExprKit.Eval("concat('a', NULL, 1)"));
        Assert.Equal("a|1", SqlExprKit.Eval("concat_ws('|', NULL, 'a', 1)"));
        Assert.Equal("NULL", SqlExprKit.Eval("concat_ws(NULL, 'a')"));
    }

    [Fact]
    public void MathFunctions()
    {
        Assert.Equal(5L, Call("abs", -5L));
        Assert.Equal(2.0, Call("ceil", 1.2));
        Assert.Equal(1.0, Call("floor", 1.8));
        Assert.Equal(3.0, Call("round", 2.5));
        Assert.Equal(1.23, Call("round", 1.2345, 2L));
        Assert.Equal(1.2, Call("trunc", 1.29, 1L));
        Assert.Equal(3.0, Call("sqrt", 9.0));
        Assert.Equal(8L, Call("power", 2L, 3L));
        // A DOUBLE base with an integer exponent is a DOUBLE power, not a truncated integer one.
        Assert.Equal(Math.Pow(2.5, 2), Call("power", 2.5, 2L));
        Assert.Equal(DataType.Float64, TestFunctions.Scalar.BindCall("power", [Literal.Of(2.5), Literal.Of(2L)]).Type);
        Assert.Equal(2.0, Call("log", 100.0));
        Assert.Equal(-1.0, Call("signum", -3.0));
        Assert.Equal(6L, Call("gcd", 12L, 18L));
        Assert.Equal(36L, Call("lcm", 12L, 18L));
        Assert.Equal(120L, Call("factorial", 5L));
        Assert.Equal(true, Call("isnan", double.NaN));
        Assert.Equal(Math.PI, Lit(TestFunctions.Scalar.BindCall("pi", [])));
        Assert.Null(Call("sqrt", new object?[] { null }));
    }

    [Fact]
    public void ConditionalFunctions()
    {
        Assert.Equal(2L, Call("coalesce", null, 2L, 3L));
        Assert.Null(Call("nullif", 1L, 1L));
        Assert.Equal(1L, Call("nullif", 1L, 2L));
        Assert.Equal("b", Call("nvl2", null, "a", "b"));
        Assert.Equal(3.5, Call("greatest", 1L, 3.5, null));
        Assert.Equal(1.0, Call("least", 1L, 3.5));
        var e = TestFunctions.Scalar.BindCall("coalesce", [Literal.Of(1), Literal.Of(2.5)]);
        Assert.Equal(DataType.Float64, e.Type);
    }

    [Fact]
    public void DateTimeFunctions()
    {
        Assert.True(Timestamps.TryParse("2023-10-09T17:13:40.25", out var t));
        var batch = Batch(("t", DataType.Timestamp, [t, null]));
        var ts = Col(batch, "t");
        string? Iso(object? v) => v is null ? null : Timestamps.FormatIso((long)v);
        object? Trunc(string unit) => Eval(TestFunctions.Scalar.BindCall("date_trunc", [Literal.Of(unit), ts]), batch)[0];
        Assert.Equal("2023-10-09T17:00:00", Iso(Trunc("hour")));
        Assert.Equal("2023-10-09T00:00:00", Iso(Trunc("day")));
        Assert.Equal("2023-10-09T00:00:00", Iso(Trunc("week")));
        Assert.Equal("2023-10-01T00:00:00", Iso(Trunc("month")));
        Assert.Equal("2023-01-01T00:00:00", Iso(Trunc("year")));
        object? Part(string unit) => Eval(TestFunctions.Scalar.BindCall("date_part", [Literal.Of(unit), ts]), batch)[0];
        Assert.Equal(2023, Part("year"));
        Assert.Equal(17, Part("hour"));
        Assert.Equal(40250, Part("millisecond"));
        Assert.Equal(1, Part("dow"));
        Assert.Equal(4, Part("quarter"));
        Assert.Equal(40, Part("second"));
        // epoch is DOUBLE with the fraction of a second, the other parts INT. DataFusion computes it
        // as (nanoseconds as f64) / 1e9, so the last digit is not 1696871620.25's.
        Assert.Equal(1696871620.2499998, Part("epoch"));
        Assert.Equal(DataType.Float64, TestFunctions.Scalar.BindCall("date_part", [Literal.Of("epoch"), ts]).Type);
        Assert.Equal(DataType.Int32, TestFunctions.Scalar.BindCall("date_part", [Literal.Of("second"), ts]).Type);
        Assert.Equal([1696871620.2499998, null], Eval(TestFunctions.Scalar.BindCall("date_part", [Literal.Of("epoch"), ts]), batch));
        var bin = TestFunctions.Scalar.BindCall("date_bin", [Literal.Of(new IntervalValue(0, 0, 15 * 60 * Timestamps.NanosPerSecond)), ts]);
        Assert.Equal(["2023-10-09T17:00:00", null], Eval(bin, batch).Select(Iso));
        Assert.Equal("2023-10-09T17:13:40.250", Iso(Call("to_timestamp", "2023-10-09T17:13:40.25")));
        Assert.Equal("1970-01-01T00:00:01", Iso(Call("to_timestamp", 1L)));
        Assert.Equal("1970-01-01T00:00:00.001", Iso(Call("to_timestamp_millis", 1L)));
        Assert.Throws<DataException>(() => Call("to_timestamp", "nope"));
        Assert.Equal(DataType.Timestamp, TestFunctions.Scalar.BindCall("now", []).Type);
    }

    [Fact]
    public void RegexFunctions()
    {
        Assert.Equal(true, Call("regexp_like", "abc123", "\\d+"));
        Assert.Equal(new object?[] { "123" }, Call("regexp_match", "abc123", "\\d+"));
        Assert.Equal(new object?[] { "abc", "123" }, Call("regexp_match", "abc123", "([a-z]+)(\\d+)"));
        Assert.Null(Call("regexp_match", "abc", "\\d"));
        Assert.Equal("X-b-a", Call("regexp_replace", "a-b-a", "a", "X"));
        Assert.Equal("X-b-X", Call("regexp_replace", "a-b-a", "a", "X", "g"));
        Assert.Equal("b-a", Call("regexp_replace", "a-b", "(\\w)-(\\w)", "\\2-\\1"));
        Assert.Equal(true, Call("regexp_like", "ABC", "abc", "i"));
    }

    [Fact]
    public void HashFunctions()
    {
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", Call("md5", "abc"));
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", Call("sha224", "abc"));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Call("sha256", "abc"));
        Assert.Equal(Call("sha256", "abc"), Call("digest", "abc", "sha256"));
        Assert.Equal("YWJj", Call("encode", "abc", "base64"));
        Assert.Equal("616263", Call("encode", "abc", "hex"));
    }

    [Fact]
    public void ArrayFunctions()
    {
        var arr = TestFunctions.Scalar.BindCall("make_array", [Literal.Of(1L), Literal.Of(2L), Literal.Of(3L)]);
        Assert.Equal(DataType.List(DataType.Int64), arr.Type);
        object? F(string name, params BoundExpr[] more) => Lit(TestFunctions.Scalar.BindCall(name, [arr, .. more]));
        Assert.Equal(3L, F("array_length"));
        Assert.Equal(2L, F("array_element", Literal.Of(2L)));
        Assert.Null(F("array_element", Literal.Of(9L)));
        Assert.Equal(true, F("array_has", Literal.Of(3L)));
        Assert.Equal(3L, F("array_position", Literal.Of(3L)));
        Assert.Equal(new object?[] { 1L, 2L, 3L, 4L }, F("array_append", Literal.Of(4L)));
        Assert.Equal(new object?[] { 1L, 3L }, F("array_remove", Literal.Of(2L)));
        Assert.Equal("1,2,3", F("array_to_string", Literal.Of(",")));
        Assert.Equal(new object?[] { 1L, 2L, 3L, 1L, 2L, 3L }, F("array_concat", arr));
    }

    [Fact]
    public void StructFunctions()
    {
        var s = TestFunctions.Scalar.BindCall("named_struct", [Literal.Of("a"), Literal.Of(1L), Literal.Of("b"), Literal.Of("x")]);
        Assert.Equal("STRUCT<a BIGINT, b TEXT>", s.Type.ToString());
        Assert.Equal(new object?[] { 1L, "x" }, Lit(s));
        Assert.Equal("x", Lit(TestFunctions.Scalar.BindCall("get_field", [s, Literal.Of("b")])));
        Assert.Equal("STRUCT<c0 BIGINT>", TestFunctions.Scalar.BindCall("struct", [Literal.Of(1L)]).Type.ToString());
    }

    [Fact]
    public void JsonFunctions()
    {
        const string doc = "{\"a\": {\"b\": [1, 2, {\"c\": \"x\"}]}, \"n\": 1.5, \"t\": true, \"s\": \"str\"}";
        Assert.Equal("1", Call("get_first_json_object", doc, "$.a.b[0]"));
        Assert.Equal("{\"c\": \"x\"}", Call("get_first_json_object", doc, "$.a.b[2]"));
        Assert.Equal(new object?[] { "1", "2", "{\"c\": \"x\"}" }, Call("get_json_objects", doc, "$.a.b[*]"));
        Assert.Equal(new object?[] { "1", "2", "{\"c\": \"x\"}" }, Call("extract_json", doc, "$.a.b[*]"));
        Assert.Equal("x", Call("extract_json_string", doc, "$.a.b[2].c"));
        Assert.Null(Call("get_first_json_object", doc, "$.missing"));
        Assert.Equal("str", Call("json_get_str", doc, "s"));
        Assert.Equal(2L, Call("json_get_int", doc, "a", "b", 1L));
        Assert.Equal(1.5, Call("json_get_float", doc, "n"));
        Assert.Equal(true, Call("json_get_bool", doc, "t"));
        Assert.Equal("x", Call("json_as_text", doc, "a", "b", 2L, "c"));
        Assert.Equal(3L, Call("json_length", doc, "a", "b"));
        Assert.Equal(true, Call("json_contains", doc, "a"));
        Assert.Equal(false, Call("json_contains", doc, "zz"));
        Assert.Null(Call("json_get_str", "not json", "a"));
    }
}
