using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Tests;

public sealed class LexerTests
{
    private static List<Token> Lex(string sql) => Lexer.Tokenize(sql);

    [Fact]
    public void SplitsWordsOperatorsAndLiterals()
    {
        var tokens = Lex("SELECT a.b, 'x''y' AS \"Q\" FROM t WHERE c->>'k' <> 1.5e3;");
        Assert.Equal(
            [
                TokenKind.Word, TokenKind.Word, TokenKind.Dot, TokenKind.Word, TokenKind.Comma, TokenKind.String,
                TokenKind.Word, TokenKind.QuotedIdentifier, TokenKind.Word, TokenKind.Word, TokenKind.Word,
                TokenKind.Word, TokenKind.LongArrow, TokenKind.String, TokenKind.NotEq, TokenKind.Number,
                TokenKind.Semicolon, TokenKind.EndOfInput,
            ],
            tokens.Select(t => t.Kind));
        Assert.Equal("x'y", tokens[5].Value);
        Assert.Equal("Q", tokens[7].Value);
        Assert.Equal("1.5e3", tokens[15].Value);
    }

    [Theory]
    [InlineData("::", "DoubleColon")]
    [InlineData("->", "Arrow")]
    [InlineData("->>", "LongArrow")]
    [InlineData("||", "Concat")]
    [InlineData("!=", "NotEq")]
    [InlineData("<>", "NotEq")]
    [InlineData("==", "DoubleEq")]
    [InlineData("<=", "LtEq")]
    [InlineData(">=", "GtEq")]
    [InlineData("<<", "ShiftLeft")]
    [InlineData(">>", "ShiftRight")]
    [InlineData("~*", "TildeStar")]
    [InlineData("!~*", "NotTildeStar")]
    [InlineData("?", "Question")]
    public void Operators(string text, string kindName)
    {
        var kind = Enum.Parse<TokenKind>(kindName);
        var tokens = Lex(text);
        Assert.Equal(2, tokens.Count);
        Assert.Equal(kind, tokens[0].Kind);
    }

    [Fact]
    public void SkipsCommentsAndTracksLinesAndColumns()
    {
        const string sql = "--fail=x\n/* block /* nested */ */ SELECT\n\t  a -- trailing\n";
        var tokens = Lex(sql);
        Assert.Equal(3, tokens.Count);
        var select = tokens[0];
        Assert.Equal("SELECT", select.Value);
        Assert.Equal((2, 26), (select.Span.Line, select.Span.Column));
        Assert.Equal("SELECT", sql[select.Span.Start..select.Span.End]);
        var a = tokens[1];
        Assert.Equal((3, 4), (a.Span.Line, a.Span.Column));
        // End of input sits right after the last token, so errors there point at a visible line.
        Assert.Equal(a.Span.End, tokens[2].Span.Start);
    }

    [Fact]
    public void MultiLineStringKeepsLineCountingRight()
    {
        var tokens = Lex("x = '{\n  \"a\": 1\n}'\n  y");
        Assert.Equal("{\n  \"a\": 1\n}", tokens[2].Value);
        Assert.Equal((4, 3), (tokens[3].Span.Line, tokens[3].Span.Column));
    }

    [Theory]
    [InlineData(".5")]
    [InlineData("10")]
    [InlineData("3.25")]
    [InlineData("1E-3")]
    public void Numbers(string text)
    {
        var token = Assert.Single(Lex(text), t => t.Kind == TokenKind.Number);
        Assert.Equal(text, token.Value);
    }

    [Theory]
    [InlineData("'abc", "unterminated string literal", 1, 1)]
    [InlineData("a\n  \"abc", "unterminated quoted identifier (missing closing \")", 2, 3)]
    [InlineData("/* x", "unterminated /* comment", 1, 1)]
    [InlineData("a @ b", "unexpected character '@'", 1, 3)]
    [InlineData("12abc", "invalid number '12abc'", 1, 1)]
    public void LexicalErrorsCarrySpans(string sql, string message, int line, int column)
    {
        var error = Assert.Throws<SqlParseException>(() => Lex(sql));
        Assert.Equal(message, error.Message);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
    }
}
