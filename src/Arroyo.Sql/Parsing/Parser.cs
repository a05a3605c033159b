using Arroyo.Core.Errors;
using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>
/// Recursive-descent parser over the token list; expressions use precedence climbing
/// (see Parser.Expressions.cs). One instance parses one text and is then discarded.
/// </summary>
internal sealed partial class Parser
{
    private readonly SourceText _source;
    private readonly List<Token> _tokens;
    private int _index;

    public Parser(string sql)
    {
        _source = new SourceText(sql);
        _tokens = Lexer.Tokenize(_source);
    }

    // ------------------------------------------------------------ entry points

    public List<Statement> ParseScript()
    {
        var statements = new List<Statement>();
        while (true)
        {
            while (TryConsume(TokenKind.Semicolon)) { }
            if (Current.Kind == TokenKind.EndOfInput) return statements;
            statements.Add(ParseStatement());
            if (Current.Kind != TokenKind.EndOfInput && Current.Kind != TokenKind.Semicolon)
            {
                throw Unexpected("';'");
            }
        }
    }

    public Expr ParseStandaloneExpression()
    {
        var expr = ParseExpr();
        ExpectEnd();
        return expr;
    }

    public Query ParseStandaloneQuery()
    {
        var query = ParseQuery();
        TryConsume(TokenKind.Semicolon);
        ExpectEnd();
        return query;
    }

    public TypeName ParseStandaloneType()
    {
        var type = ParseType();
        ExpectEnd();
        return type;
    }

    private void ExpectEnd()
    {
        if (Current.Kind != TokenKind.EndOfInput) throw Unexpected("end of input");
    }

    // ------------------------------------------------------------ statements

    private Statement ParseStatement()
    {
        var start = Current.Span;
        if (IsWord("explain")) return ParseExplain();
        if (IsWord("create")) return ParseCreate();
        if (IsWord("insert")) return ParseInsert();
        if (IsWord("set")) return ParseSet();
        if (IsQueryStart())
        {
            var query = ParseQuery();
            return new QueryStatement(query, SpanFrom(start));
        }
        throw Unexpected("a statement (SELECT, INSERT, CREATE TABLE, CREATE VIEW, CREATE FUNCTION or SET)");
    }

    private ExplainStatement ParseExplain()
    {
        var start = Advance().Span; // EXPLAIN
        if (!IsWord("insert") && !IsQueryStart()) throw Unexpected("a SELECT or INSERT statement to explain");
        var explained = ParseStatement();
        return new ExplainStatement(explained, SpanFrom(start));
    }

    private Statement ParseCreate()
    {
        var start = Advance().Span; // CREATE
        var orReplace = false;
        if (TryWord("or"))
        {
            ExpectWord("replace");
            orReplace = true;
        }
        var temporary = TryWord("temporary") || TryWord("temp");
        if (IsWord("function") && !temporary) return ParseCreateFunction(start);
        if (IsWord("table")) return ParseCreateTable(start, temporary);
        if (IsWord("view") && !temporary) return ParseCreateView(start, orReplace);
        throw Unexpected(temporary ? "TABLE" : "TABLE, VIEW or FUNCTION");
    }

    private CreateFunctionStatement ParseCreateFunction(SourceSpan start)
    {
        ExpectWord("function");
        var name = ParseIdentifier("a function name");
        Expect(TokenKind.LeftParen, "'('");
        var parameters = new List<FunctionParameter>();
        if (!IsKind(TokenKind.RightParen))
        {
            do
            {
                var parameter = ParseIdentifier("a parameter name");
                var type = ParseType();
                parameters.Add(new FunctionParameter(parameter, type, SpanFrom(parameter.Span)));
            }
            while (TryConsume(TokenKind.Comma));
        }
        Expect(TokenKind.RightParen, "',' or ')'");
        ExpectWord("returns");
        var returns = ParseType();
        ExpectWord("language");
        var language = ParseIdentifier("a language name (csharp)");
        ExpectWord("as");
        var body = Expect(TokenKind.String, "the function body as $$ … $$");
        return new CreateFunctionStatement(name, parameters, returns, language, body.Value, body.Span, SpanFrom(start));
    }

    private CreateViewStatement ParseCreateView(SourceSpan start, bool orReplace)
    {
        ExpectWord("view");
        var name = ParseObjectName();
        var columns = IsKind(TokenKind.LeftParen) ? ParseParenthesizedIdentifiers() : [];
        ExpectWord("as");
        var query = ParseQuery();
        return new CreateViewStatement(name, columns, query, orReplace, SpanFrom(start));
    }

    private InsertStatement ParseInsert()
    {
        var start = Advance().Span; // INSERT
        ExpectWord("into");
        var table = ParseObjectName();
        IReadOnlyList<Identifier> columns = [];
        // "INSERT INTO t (SELECT ...)" is a parenthesized query, not a column list.
        if (IsKind(TokenKind.LeftParen) && !IsQueryStartAt(_index + 1))
        {
            columns = ParseParenthesizedIdentifiers();
        }
        var source = ParseQuery();
        return new InsertStatement(table, columns, source, SpanFrom(start));
    }

    private SetStatement ParseSet()
    {
        var start = Advance().Span; // SET
        var name = ParseObjectName();
        if (!TryConsume(TokenKind.Eq) && !TryWord("to")) throw Unexpected("'=' or TO");
        var value = ParseExpr();
        return new SetStatement(name, value, SpanFrom(start));
    }

    // ------------------------------------------------------------ token helpers

    private Token Current => _tokens[_index];

    private Token PeekAt(int index) => _tokens[Math.Min(index, _tokens.Count - 1)];

    private Token Peek(int ahead = 1) => PeekAt(_index + ahead);

    private Token Advance()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1) _index++;
        return token;
    }

    private bool IsKind(TokenKind kind) => Current.Kind == kind;

    private bool IsWord(string keyword) => Current.IsWord(keyword);

    private bool TryConsume(TokenKind kind)
    {
        if (Current.Kind != kind) return false;
        Advance();
        return true;
    }

    private bool TryWord(string keyword)
    {
        if (!Current.IsWord(keyword)) return false;
        Advance();
        return true;
    }

    /// <summary>Consumes a sequence of keywords only when all of them are present.</summary>
    private bool TryWords(string first, string second)
    {
        if (!Current.IsWord(first) || !Peek().IsWord(second)) return false;
        Advance();
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string display)
    {
        if (Current.Kind != kind) throw Unexpected(display);
        return Advance();
    }

    private Token ExpectWord(string keyword)
    {
        if (!Current.IsWord(keyword)) throw Unexpected(keyword.ToUpperInvariant());
        return Advance();
    }

    /// <summary>The span from <paramref name="start"/> to the end of the last consumed token.</summary>
    private SourceSpan SpanFrom(SourceSpan start)
    {
        var end = _index > 0 ? _tokens[_index - 1].Span.End : start.End;
        return new SourceSpan(start.Start, Math.Max(end, start.End), start.Line, start.Column);
    }

    private string SourceTextOf(SourceSpan span) => _source.Text[span.Start..span.End];

    private SqlParseException Unexpected(string expected, string? hint = null)
    {
        var found = Current;
        if (hint is null && found.Kind == TokenKind.Word && Keywords.NotAnExpression.Contains(found.Value)
            && (expected.Contains("identifier", StringComparison.Ordinal) || expected.Contains("name", StringComparison.Ordinal)))
        {
            hint = $"'{found.Value}' is a reserved word; write \"{found.Value.ToLowerInvariant()}\" to use it as a name";
        }
        return new SqlParseException($"expected {expected} but found {found.Describe()}", found.Span, hint);
    }

    // ------------------------------------------------------------ names

    private static Identifier MakeIdentifier(Token token) => token.Kind == TokenKind.QuotedIdentifier
        ? new Identifier(token.Value, token.Value, true, token.Span)
        : new Identifier(token.Value.ToLowerInvariant(), token.Value, false, token.Span);

    private bool IsIdentifierToken(Token token) =>
        token.Kind is TokenKind.Word or TokenKind.QuotedIdentifier;

    /// <summary>
    /// An identifier where the grammar requires a name (after AS, in column definitions, after a
    /// dot); any word is allowed here because nothing else could be meant.
    /// </summary>
    private Identifier ParseIdentifier(string what = "an identifier")
    {
        if (!IsIdentifierToken(Current)) throw Unexpected(what);
        return MakeIdentifier(Advance());
    }

    /// <summary>A table/view/function name: identifiers separated by dots.</summary>
    private ObjectName ParseObjectName(string what = "a name")
    {
        var parts = new List<Identifier> { ParseName(what) };
        while (IsKind(TokenKind.Dot) && IsIdentifierToken(Peek()))
        {
            Advance();
            parts.Add(ParseIdentifier());
        }
        return new ObjectName(parts, parts[0].Span.Union(parts[^1].Span));
    }

    /// <summary>Like <see cref="ParseIdentifier"/> but refuses words that would make the SQL ambiguous.</summary>
    private Identifier ParseName(string what)
    {
        if (Current.Kind == TokenKind.Word && Keywords.NotAnExpression.Contains(Current.Value)) throw Unexpected(what);
        return ParseIdentifier(what);
    }

    private List<Identifier> ParseParenthesizedIdentifiers()
    {
        Expect(TokenKind.LeftParen, "'('");
        var list = new List<Identifier> { ParseIdentifier("a column name") };
        while (TryConsume(TokenKind.Comma)) list.Add(ParseIdentifier("a column name"));
        Expect(TokenKind.RightParen, "')'");
        return list;
    }
}
