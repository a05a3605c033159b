using static Arroyo.Engine.Tests.Expressions.SqlExprKit;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>
/// The examples of the reference's SQL pages (arroyo-docs sql/scalar-functions/*) that no other test
/// ran as written, each with the result the page shows: the second example of a function where
/// only the first was tested, the JSON page, the regex flags, text arguments of make_date and
/// to_timestamp with chrono formats. Timestamps and dates are shown as text, as the pages print them.
/// </summary>
public sealed class ReferencePageExampleTests
{
    [Theory]
    // array.mdx
    [InlineData("array_intersect([1, 2, 3, 4], [5, 6, 7, 8])", "[]")]
    [InlineData("array_union([1, 2, 3, 4], [5, 6, 7, 8])", "[1, 2, 3, 4, 5, 6, 7, 8]")]
    [InlineData("array_except([1, 2, 3, 4], [3, 4, 5, 6])", "[1, 2]")]
    [InlineData("range(3)", "[0, 1, 2]")]
    [InlineData("range(1,5)", "[1, 2, 3, 4]")]
    [InlineData("range(1,5,1)", "[1, 2, 3, 4]")]
    [InlineData("range(2, 10, 3)", "[2, 5, 8]")]
    // regex.mdx
    [InlineData("regexp_like('aBc', '(b|d)', 'i')", "true")]
    [InlineData("regexp_match('aBc', '(b|d)', 'i')", "[B]")]
    [InlineData("regexp_replace('foobarbaz', 'b(..)', 'X\\1Y', 'g')", "fooXarYXazY")]
    [InlineData("regexp_replace('aBc', '(b|d)', 'Ab\\1a', 'i')", "aAbBac")]
    // json.mdx
    [InlineData("json_contains('{\"a\": 1, \"b\": 2, \"c\": 3}', 'a')", "true")]
    [InlineData("'{\"a\": 1, \"b\": 2, \"c\": 3}' ? 'a'", "true")]
    [InlineData("json_get('{\"a\": {\"b\": 2}}', 'a', 'b')", "2")]
    [InlineData("'{\"a\": {\"b\": 2}}'->'a'->'b'", "2")]
    [InlineData("json_get('{\"a\": {\"b\": 2}}', 'a', 'b')::int", "2")]
    [InlineData("json_get_str('{\"a\": {\"b\": \"hello\"}}', 'a', 'b')", "hello")]
    [InlineData("json_get_int('{\"a\": {\"b\": 42}}', 'a', 'b')", "42")]
    [InlineData("json_get_float('{\"a\": {\"b\": 3.14}}', 'a', 'b')", "3.14")]
    [InlineData("json_get_bool('{\"a\": {\"b\": true}}', 'a', 'b')", "true")]
    [InlineData("json_get_json('{\"a\": {\"b\": {\"c\": 1}}}', 'a', 'b')", "{\"c\": 1}")]
    [InlineData("json_as_text('{\"a\": {\"b\": 42}}', 'a', 'b')", "42")]
    [InlineData("'{\"a\": {\"b\": 42}}'->>'a'->>'b'", "42")]
    [InlineData("json_length('{\"a\": [1, 2, 3]}', 'a')", "3")]
    [InlineData("extract_json('{\"a\": 1, \"b\": 2, \"c\": 3}', '$.a')", "[1]")]
    [InlineData("extract_json_string('{\"a\": \"a\", \"b\": 2, \"c\": 3}', '$.a')", "a")]
    // time-and-date.mdx
    [InlineData("CAST(make_date(2023, 1, 31) AS TEXT)", "2023-01-31")]
    [InlineData("CAST(make_date('2023', '01', '31') AS TEXT)", "2023-01-31")]
    [InlineData("CAST(to_timestamp('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56.123456789")]
    [InlineData("CAST(to_timestamp('03:59:00.123456789 05-17-2023', '%c', '%+', '%H:%M:%S%.f %m-%d-%Y') AS TEXT)", "2023-05-17T03:59:00.123456789")]
    [InlineData("CAST(to_timestamp_millis('03:59:00.123456789 05-17-2023', '%c', '%+', '%H:%M:%S%.f %m-%d-%Y') AS TEXT)", "2023-05-17T03:59:00.123")]
    [InlineData("CAST(to_timestamp_micros('03:59:00.123456789 05-17-2023', '%c', '%+', '%H:%M:%S%.f %m-%d-%Y') AS TEXT)", "2023-05-17T03:59:00.123456")]
    [InlineData("CAST(to_timestamp_nanos('03:59:00.123456789 05-17-2023', '%c', '%+', '%H:%M:%S%.f %m-%d-%Y') AS TEXT)", "2023-05-17T03:59:00.123456789")]
    [InlineData("CAST(to_timestamp_seconds('03:59:00.123456789 05-17-2023', '%c', '%+', '%H:%M:%S%.f %m-%d-%Y') AS TEXT)", "2023-05-17T03:59:00")]
    [InlineData("CAST(to_timestamp_seconds('2023-01-31T09:26:56.123456789-05:00') AS TEXT)", "2023-01-31T14:26:56")]
    public void Page_example(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    // DataFusion's to_timestamp formats are chrono's: each specifier as chrono reads it.
    [Theory]
    [InlineData("'2023-05-17 03:59:00', '%Y-%m-%d %H:%M:%S'", "2023-05-17T03:59:00")]
    [InlineData("'Wed May 17 03:59:00 2023', '%c'", "2023-05-17T03:59:00")]
    [InlineData("'2023-05-17T03:59:00.5+02:00', '%+'", "2023-05-17T01:59:00.500")]
    [InlineData("'17/May/2023:03:59:00 -0130', '%d/%b/%Y:%H:%M:%S %z'", "2023-05-17T05:29:00")]
    [InlineData("'2023-137 11:05 PM', '%Y-%j %I:%M %p'", "2023-05-17T23:05:00")]
    [InlineData("'1684295940', '%s'", "2023-05-17T03:59:00")]
    [InlineData("'December 1, 99 12:00', '%B %e, %y %H:%M'", "1999-12-01T12:00:00")]
    [InlineData("'x', '%Y', '%H:%M %d.%m.%Y', 'x'", "NULL")]
    public void Chrono_formats(string args, string expected)
    {
        if (expected == "NULL")
        {
            Assert.Contains("no format fits 'x' (tried '%Y', '%H:%M %d.%m.%Y', 'x'", Error($"to_timestamp({args})"));
            return;
        }
        Assert.Equal(expected, Eval($"CAST(to_timestamp({args}) AS TEXT)"));
    }

    [Theory]
    [InlineData("'2023-05-17', '%Y-%m-%d'")]           // no time: chrono cannot make a date-time of it
    [InlineData("'2023-05-17 03:59:00 tail', '%Y-%m-%d %H:%M:%S'")] // the whole text must be read
    [InlineData("'2023-02-30 00:00', '%Y-%m-%d %H:%M'")] // no such day
    [InlineData("'2023-05-17 24:00', '%Y-%m-%d %H:%M'")]
    public void Text_a_format_cannot_read_is_an_error(string args) =>
        Assert.Contains("no format fits", Error($"to_timestamp({args})"));

    [Fact]
    public void Make_date_names_the_text_it_cannot_cast() =>
        Assert.Contains("make_date: cannot cast 'x' to an integer", Error("make_date('x', '01', '31')"));
}
