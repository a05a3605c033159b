using Arroyo.Core.Errors;

namespace Arroyo.Sql.Tests;

public sealed class ErrorTests
{
    /// <summary>
    /// Parses <paramref name="marked"/> with the expected error token wrapped in ⟦ ⟧ and checks
    /// the error's span is exactly that token.
    /// </summary>
    private static SqlParseException ErrorAt(string marked, string message)
    {
        var start = marked.IndexOf('⟦');
        var end = marked.IndexOf('⟧') - 1;
        var sql = marked.Replace("⟦", "").Replace("⟧", "");
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript(sql));
        Assert.Equal(message, error.Message);
        Assert.Equal((start, end), (error.Span.Start, error.Span.End));
        return error;
    }

    [Fact]
    public void MissingCloseParen() =>
        ErrorAt("SELECT count(x ⟦FROM⟧ t", "expected ',' or ')' but found 'FROM'");

    [Fact]
    public void UnterminatedDollarQuote() =>
        ErrorAt("CREATE FUNCTION f() RETURNS INT LANGUAGE csharp AS ⟦$$⟧ 1", "unterminated $$ string (missing closing $$)");

    [Fact]
    public void MissingExpression() =>
        ErrorAt("SELECT a, ⟦FROM⟧ t", "expected an expression but found 'FROM'");

    [Fact]
    public void UnexpectedEndOfInput() =>
        ErrorAt("SELECT a FROM t WHERE⟦⟧", "expected an expression but found end of input");

    [Fact]
    public void GarbageAfterStatement() =>
        ErrorAt("SELECT a b ⟦c⟧ FROM t", "expected ';' but found 'c'");

    [Fact]
    public void JoinWithoutCondition()
    {
        var error = ErrorAt("SELECT * FROM a JOIN b ⟦WHERE⟧ x", "expected ON or USING but found 'WHERE'");
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public void BadStatement() =>
        ErrorAt("⟦DROP⟧ TABLE t", "expected a statement (SELECT, INSERT, CREATE TABLE, CREATE VIEW, CREATE FUNCTION or SET) but found 'DROP'");

    [Fact]
    public void BadColumnDefinition() =>
        ErrorAt("CREATE TABLE t (a INT, b ⟦,⟧ c INT)", "expected a type name but found ','");

    [Fact]
    public void MissingOptionValue() =>
        ErrorAt("CREATE TABLE t WITH (connector = 'kafka' ⟦topic⟧ = 'x')", "expected ',' or ')' but found 'topic'");

    [Fact]
    public void ReservedWordAsTableNameGetsHint()
    {
        var error = ErrorAt("CREATE TABLE ⟦select⟧ (a INT)", "expected a table name but found 'select'");
        Assert.Contains("\"select\"", error.Hint);
    }

    [Fact]
    public void FormatterShowsLineColumnAndCarets()
    {
        const string sql = "CREATE TABLE t (a INT);\nSELECT count(a\n  FROM t;";
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript(sql));
        Assert.Equal(
            "error at line 3, column 3: expected ',' or ')' but found 'FROM'\n" +
            "  FROM t;\n" +
            "  ^^^^",
            SqlErrorFormatter.Format(sql, error));
    }

    [Fact]
    public void FormatterKeepsTabsAndShowsHint()
    {
        const string sql = "SELECT\n\ta +\tb";
        var error = new UserException("no column 'b'", new SourceSpan(12, 13, 2, 6), "did you mean 'a'?");
        Assert.Equal(
            "error at line 2, column 6: no column 'b'\n" +
            "\ta +\tb\n" +
            "\t   \t^\n" +
            "hint: did you mean 'a'?",
            SqlErrorFormatter.Format(sql, error));
    }

    [Fact]
    public void FormatterAtEndOfInputAndMultiLineSpans()
    {
        var eof = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript("SELECT a +"));
        Assert.Equal(
            "error at line 1, column 11: expected an expression but found end of input\nSELECT a +\n          ^",
            SqlErrorFormatter.Format("SELECT a +", eof));

        // A span running over several lines is underlined only on its first line.
        const string sql = "SELECT (a\n + b) FROM t";
        var multi = new UserException("bad", new SourceSpan(7, 15, 1, 8));
        Assert.Equal("error at line 1, column 8: bad\nSELECT (a\n       ^^", SqlErrorFormatter.Format(sql, multi));
    }

    [Fact]
    public void FormatterWithoutSpan() =>
        Assert.Equal("error: oops\nhint: retry", SqlErrorFormatter.Format("SELECT 1", new UserException("oops", hint: "retry")));
}
