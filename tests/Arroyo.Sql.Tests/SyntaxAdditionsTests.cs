using Arroyo.Sql.Ast;

namespace Arroyo.Sql.Tests;

/// <summary>Array slices, containment operators, byte strings, set operators and grouping sets.</summary>
public sealed class SyntaxAdditionsTests
{
    private static string P(string sql) => AstPrinter.Print(SqlParser.ParseExpression(sql));

    private static Select SelectOf(string sql)
    {
        var statement = Assert.IsType<QueryStatement>(Assert.Single(SqlParser.ParseScript(sql)));
        return Assert.IsType<Select>(statement.Query.Body);
    }

    [Theory]
    [InlineData("a[1:2]", "a[1:2]")]
    [InlineData("a[i + 1:j * 2]", "a[(i + 1):(j * 2)]")]
    [InlineData("a[1:5:2]", "a[1:5:2]")]
    [InlineData("a[:2]", "a[:2]")]
    [InlineData("a[2:]", "a[2:]")]
    [InlineData("a[x::int:3]", "a[(x::int):3]")]
    [InlineData("a[1:2][1]", "a[1:2][1]")]
    [InlineData("f(x)[2:3] = b", "(f(x)[2:3] = b)")]
    [InlineData("a[-2:-1]", "a[(-2):(-1)]")]
    public void Slices(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Theory]
    [InlineData("a @> b", "(a @> b)")]
    [InlineData("a <@ b", "(a <@ b)")]
    [InlineData("a@>b AND c<@d", "((a @> b) AND (c <@ d))")]
    [InlineData("a || b @> c", "((a || b) @> c)")]
    [InlineData("a <= b", "(a <= b)")]
    [InlineData("a << b", "(a << b)")]
    public void ContainmentOperators(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Theory]
    [InlineData("a <=> b AND c", "((a <=> b) AND c)")]
    [InlineData("a ~~ 'x%'", "(a ~~ 'x%')")]
    [InlineData("a ~~* 'x%'", "(a ~~* 'x%')")]
    [InlineData("a !~~ 'x%' OR b !~~* 'y'", "((a !~~ 'x%') OR (b !~~* 'y'))")]
    [InlineData("a || b ~~ c", "((a || b) ~~ c)")]
    [InlineData("a ~ b", "(a ~ b)")]
    [InlineData("a !~* b", "(a !~* b)")]
    [InlineData("N'abc' = n'd'", "('abc' = 'd')")]
    public void PostgresOperatorSpellings(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Theory]
    [InlineData("X'0aFF'", new byte[] { 0x0a, 0xff })]
    [InlineData("x'00'", new byte[] { 0 })]
    [InlineData("X'F'", new byte[] { 0x0f })]
    [InlineData("X'abc'", new byte[] { 0x0a, 0xbc })]
    [InlineData("X''", new byte[0])]
    public void HexByteStrings(string sql, byte[] expected) =>
        Assert.Equal(expected, Assert.IsType<HexStringLiteral>(SqlParser.ParseExpression(sql)).Value);

    // The reference's tokenizer reads 0x… as the byte string X'…' (DataFusion 48 gives a binary value).
    [Theory]
    [InlineData("0x0aFF", new byte[] { 0x0a, 0xff })]
    [InlineData("0xF", new byte[] { 0x0f })]
    [InlineData("0xabc", new byte[] { 0x0a, 0xbc })]
    [InlineData("0x", new byte[0])]
    public void HexNumbersAreByteStrings(string sql, byte[] expected) =>
        Assert.Equal(expected, Assert.IsType<HexStringLiteral>(SqlParser.ParseExpression(sql)).Value);

    [Fact]
    public void AHexNumberEndsAtItsLastDigit() => Assert.Equal("(X'1F' = X'1F')", P("0x1f=0x1F"));

    [Theory]
    [InlineData("SELECT «0x1g» FROM t", "invalid hexadecimal byte string '0x1g': only the digits 0-9, a-f and A-F may follow 0x")]
    [InlineData("SELECT «0X1F» FROM t", "invalid number '0X1F'")]
    public void ABadHexNumberIsAnErrorAtTheLiteral(string marked, string message)
    {
        var sql = marked.Replace("«", "").Replace("»", "");
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript(sql));
        Assert.Equal(message, error.Message);
        Assert.Equal(marked[(marked.IndexOf('«') + 1)..marked.IndexOf('»')], sql[error.Span.Start..error.Span.End]);
    }

    [Theory]
    [InlineData("SELECT ts «AT TIME ZONE» 'Europe/Paris' FROM t")]
    [InlineData("SELECT CAST(ts AS TIMESTAMP) «at time zone» 'UTC' AS u FROM t")]
    public void AtTimeZoneIsRefusedWithAReason(string marked)
    {
        var sql = marked.Replace("«", "").Replace("»", "");
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript(sql));
        Assert.Equal("This feature is not implemented: AT TIME ZONE (timestamps here carry no time zone; every TIMESTAMP is UTC)", error.Message);
        Assert.Equal(marked[(marked.IndexOf('«') + 1)..marked.IndexOf('»')], sql[error.Span.Start..error.Span.End]);
        Assert.Contains("+ INTERVAL", error.Hint);
    }

    [Fact]
    public void AColumnNamedAtIsStillAColumn() => Assert.Equal("(at + 1)", P("at + 1"));

    [Fact]
    public void ABadHexDigitIsAnErrorAtTheLiteral()
    {
        const string sql = "SELECT a\nFROM t WHERE b = X'0g'";
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript(sql));
        Assert.Equal("invalid hexadecimal byte string X'0g': 'g' is not a hex digit", error.Message);
        Assert.Equal("X'0g'", sql[error.Span.Start..error.Span.End]);
        Assert.Equal((2, 18), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void AnUnclosedSliceIsAnError()
    {
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseExpression("a[1:2:3 b"));
        Assert.Equal("expected ']' but found 'b'", error.Message);
    }

    [Fact]
    public void AnIdentifierNamedXIsStillAnIdentifier() => Assert.Equal("(x = 'a')", P("x = 'a'"));

    [Fact]
    public void SetOperatorsKeepTheirKeywordSpans()
    {
        const string sql = "SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT SELECT a FROM v";
        var statement = Assert.IsType<QueryStatement>(Assert.Single(SqlParser.ParseScript(sql)));
        var except = Assert.IsType<SetOperation>(statement.Query.Body);
        Assert.Equal(SetOperator.Except, except.Operator);
        Assert.Equal("EXCEPT", sql[except.OperatorSpan.Start..except.OperatorSpan.End]);
        var union = Assert.IsType<SetOperation>(except.Left);
        Assert.True(union.All);
        Assert.Equal("UNION ALL", sql[union.OperatorSpan.Start..union.OperatorSpan.End]);
    }

    [Theory]
    [InlineData("SELECT a, b, count(*) FROM t GROUP BY GROUPING SETS ((a, b), (a), ())", "GROUPINGSETS((a, b), (a), ())")]
    [InlineData("SELECT a, b, count(*) FROM t GROUP BY ROLLUP (a, b)", "ROLLUP((a), (b))")]
    [InlineData("SELECT a, b, count(*) FROM t GROUP BY CUBE ((a, b), c)", "CUBE((a, b), (c))")]
    public void GroupingSets(string sql, string expected)
    {
        var select = SelectOf(sql);
        Assert.Equal(expected, AstPrinter.Print(Assert.Single(select.GroupBy)));
    }

    [Fact]
    public void RollupAsAColumnNameIsAnExpression()
    {
        var select = SelectOf("SELECT rollup, count(*) FROM t GROUP BY rollup, cube");
        Assert.Equal(["rollup", "cube"], select.GroupBy.Select(AstPrinter.Print));
    }
}
