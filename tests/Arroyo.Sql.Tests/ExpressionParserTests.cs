using Arroyo.Sql.Ast;

namespace Arroyo.Sql.Tests;

public sealed class ExpressionParserTests
{
    private static string P(string sql) => AstPrinter.Print(SqlParser.ParseExpression(sql));

    [Theory]
    [InlineData("a OR b AND c", "(a OR (b AND c))")]
    [InlineData("a AND b OR c", "((a AND b) OR c)")]
    [InlineData("NOT a = b", "(NOT (a = b))")]
    [InlineData("NOT a AND b", "((NOT a) AND b)")]
    [InlineData("a = b AND c <> d", "((a = b) AND (c <> d))")]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("1 - 2 - 3", "((1 - 2) - 3)")]
    [InlineData("a % 2 == 1", "((a % 2) = 1)")]
    [InlineData("a != b", "(a <> b)")]
    [InlineData("-a * b", "((-a) * b)")]
    [InlineData("-1::int", "(-(1::int))")]
    [InlineData("a || b = c", "((a || b) = c)")]
    [InlineData("a || b + c", "(a || (b + c))")]
    [InlineData("a ~ b || c", "((a ~ b) || c)")]
    [InlineData("value->'a' = 'x'", "((value -> 'a') = 'x')")]
    [InlineData("value->'user'->'email'", "((value -> 'user') -> 'email')")]
    [InlineData("properties->>'signup_method'", "(properties ->> 'signup_method')")]
    [InlineData("value ? 'id'", "(value ? 'id')")]
    [InlineData("a IS NOT NULL AND b IS NULL", "((a IS NOT NULL) AND (b IS NULL))")]
    [InlineData("a = b IS TRUE", "((a = b) IS TRUE)")]
    [InlineData("a IS NOT DISTINCT FROM b", "(a IS NOT DISTINCT FROM b)")]
    [InlineData("a IN (1, 2) OR a NOT IN (3)", "((a IN (1, 2)) OR (a NOT IN (3)))")]
    [InlineData("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 AND 2) AND b)")]
    [InlineData("a NOT BETWEEN b + 1 AND c", "(a NOT BETWEEN (b + 1) AND c)")]
    [InlineData("a NOT LIKE 'x%' AND b ILIKE 'y'", "((a NOT LIKE 'x%') AND (b ILIKE 'y'))")]
    [InlineData("(a + b) * c", "((a + b) * c)")]
    [InlineData("a & b | c", "((a & b) | c)")]
    [InlineData("a << 2", "(a << 2)")]
    public void Precedence(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Theory]
    [InlineData("INTERVAL '1' HOUR", "INTERVAL '1' hour")]
    [InlineData("interval '10 seconds'", "INTERVAL '10 seconds'")]
    [InlineData("INTERVAL '1 day 2 hours'", "INTERVAL '1 day 2 hours'")]
    [InlineData("INTERVAL '1' DAY TO SECOND", "INTERVAL '1' day TO second")]
    [InlineData("TIMESTAMP '2023-01-01 00:00:00'", "timestamp '2023-01-01 00:00:00'")]
    [InlineData("DATE '2023-01-01'", "date '2023-01-01'")]
    [InlineData("'it''s'", "'it's'")]
    [InlineData("E'a\\nb'", "'a\nb'")]
    [InlineData("TRUE AND NOT FALSE OR NULL", "((TRUE AND (NOT FALSE)) OR NULL)")]
    [InlineData("ARRAY[1, 2]", "[1, 2]")]
    [InlineData("[a, b]", "[a, b]")]
    [InlineData("ROW(1, 'a')", "ROW(1, 'a')")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    public void Literals(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Fact]
    public void NumberLiteralKeepsTextAndKind()
    {
        var integer = Assert.IsType<NumberLiteral>(SqlParser.ParseExpression("42"));
        Assert.True(integer.IsInteger);
        var real = Assert.IsType<NumberLiteral>(SqlParser.ParseExpression("1.5e3"));
        Assert.False(real.IsInteger);
        Assert.Equal("1.5e3", real.Text);
    }

    [Theory]
    [InlineData("count(*)", "count(*)")]
    [InlineData("count (*)", "count(*)")]
    [InlineData("COUNT( distinct auction)", "count(DISTINCT auction)")]
    [InlineData("sum(x) FILTER (WHERE x > 0)", "sum(x) FILTER (WHERE (x > 0))")]
    [InlineData("row_number() OVER (PARTITION BY window ORDER BY count DESC, driver_id desc)",
        "row_number() OVER (PARTITION BY window ORDER BY count DESC, driver_id DESC)")]
    [InlineData("rank() OVER ()", "rank() OVER ()")]
    [InlineData("sum(x) OVER (ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)", "sum(x) OVER (ORDER BY t ROWS)")]
    [InlineData("approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY driver_id)", "approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY driver_id)")]
    [InlineData("array_agg(x ORDER BY y NULLS FIRST)", "array_agg(x ORDER BY y NULLS FIRST)")]
    [InlineData("hop(interval '5 seconds', interval '15 minutes')", "hop(INTERVAL '5 seconds', INTERVAL '15 minutes')")]
    [InlineData("CASE WHEN counter % 10 = 0 THEN 0 ELSE counter END", "CASE WHEN ((counter % 10) = 0) THEN 0 ELSE counter END")]
    [InlineData("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END", "CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END")]
    [InlineData("CAST(price as FLOAT)", "CAST(price AS float)")]
    [InlineData("TRY_CAST(x AS BIGINT UNSIGNED)", "TRYCAST(x AS bigint unsigned)")]
    [InlineData("json_get('user', 'name')::TEXT", "(json_get('user', 'name')::text)")]
    [InlineData("extract(epoch FROM timestamp)", "EXTRACT(epoch FROM timestamp)")]
    [InlineData("position('a' IN s)", "POSITION('a' IN s)")]
    [InlineData("substring(s FROM 2 FOR 3)", "SUBSTRING(s FROM 2 FOR 3)")]
    [InlineData("substring(s, 2, 3)", "substring(s, 2, 3)")]
    [InlineData("trim(LEADING 'x' FROM s)", "TRIM(LEADING 'x' FROM s)")]
    [InlineData("trim(s)", "trim(s)")]
    [InlineData("extract_json(parsed, '$.status_code')[1] = '500'", "(extract_json(parsed, '$.status_code')[1] = '500')")]
    [InlineData("unnest(a)->'name'", "(unnest(a) -> 'name')")]
    [InlineData("f(x).field", "f(x).field")]
    [InlineData("EXISTS (SELECT 1)", "EXISTS(subquery)")]
    [InlineData("NOT EXISTS (SELECT 1)", "NOT EXISTS(subquery)")]
    [InlineData("a IN (SELECT b FROM t)", "(a IN (subquery))")]
    [InlineData("(SELECT max(x) FROM t) + 1", "((subquery) + 1)")]
    public void SpecialForms(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Theory]
    [InlineData("window.start", "window.start")]
    [InlineData("dropoffs.window.start", "dropoffs.window.start")]
    [InlineData("timestamp - interval '1 hour'", "(timestamp - INTERVAL '1 hour')")]
    [InlineData("count + min + max + end + start + rows + hour + key + value + type", "(((((((((count + min) + max) + end) + start) + rows) + hour) + key) + value) + type)")]
    [InlineData("\"Mixed Case\"", "Mixed Case")]
    [InlineData("`tick`", "tick")]
    [InlineData("A.Counter", "a.counter")]
    public void KeywordsAndIdentifiers(string sql, string expected) => Assert.Equal(expected, P(sql));

    [Fact]
    public void IdentifiersKeepOriginalSpelling()
    {
        var compound = Assert.IsType<CompoundIdentifierExpr>(SqlParser.ParseExpression("AuctionBids.\"Num\""));
        Assert.Equal("auctionbids", compound.Parts[0].Value);
        Assert.Equal("AuctionBids", compound.Parts[0].Original);
        Assert.False(compound.Parts[0].Quoted);
        Assert.Equal("Num", compound.Parts[1].Value);
        Assert.True(compound.Parts[1].Quoted);
    }

    [Fact]
    public void SpansCoverTheExpression()
    {
        const string sql = "a +\n  (b * c)";
        var binary = Assert.IsType<BinaryExpr>(SqlParser.ParseExpression(sql));
        Assert.Equal(0, binary.Span.Start);
        Assert.Equal(sql.Length, binary.Span.End);
        Assert.Equal((1, 1), (binary.Span.Line, binary.Span.Column));
        Assert.Equal((1, 3), (binary.OperatorSpan.Line, binary.OperatorSpan.Column));
        // The parenthesized operand's span includes the parentheses.
        Assert.Equal("(b * c)", sql[binary.Right.Span.Start..binary.Right.Span.End]);
        Assert.Equal((2, 3), (binary.Right.Span.Line, binary.Right.Span.Column));
        var inner = Assert.IsType<BinaryExpr>(binary.Right);
        Assert.Equal("b", sql[inner.Left.Span.Start..inner.Left.Span.End]);
    }

    [Fact]
    public void FunctionCallSpanIncludesOverClause()
    {
        const string sql = "row_number() OVER (PARTITION BY w)";
        var call = Assert.IsType<FunctionCall>(SqlParser.ParseExpression(sql));
        Assert.Equal(sql.Length, call.Span.End);
        Assert.NotNull(call.Over);
        Assert.Equal("(PARTITION BY w)", sql[call.Over.Span.Start..call.Over.Span.End]);
    }

    [Theory]
    [InlineData("lag(x) IGNORE NULLS OVER (ORDER BY t)", true)]
    [InlineData("first_value(x) RESPECT NULLS OVER (ORDER BY t)", false)]
    [InlineData("lag(x) OVER (ORDER BY t)", null)]
    public void NullTreatmentAfterACallIsKept(string sql, bool? ignoreNulls)
    {
        var call = Assert.IsType<FunctionCall>(SqlParser.ParseExpression(sql));
        Assert.Equal(ignoreNulls, call.IgnoreNulls);
        Assert.NotNull(call.Over);
        Assert.Equal(sql.Length, call.Span.End);
    }
}
