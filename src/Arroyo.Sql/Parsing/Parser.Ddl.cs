using Arroyo.Core.Errors;
using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>CREATE TABLE: columns, constraints, WITH options and PARTITIONED BY.</summary>
internal sealed partial class Parser
{
    private CreateTableStatement ParseCreateTable(SourceSpan start, bool temporary)
    {
        ExpectWord("table");
        var ifNotExists = false;
        if (TryWord("if"))
        {
            ExpectWord("not");
            ExpectWord("exists");
            ifNotExists = true;
        }
        var name = ParseObjectName("a table name");

        if (TryWord("as"))
        {
            var query = ParseQuery();
            return new CreateTableStatement(name, ifNotExists, temporary, false, [], [], [], [], query, SpanFrom(start));
        }

        var columns = new List<ColumnDefinition>();
        var constraints = new List<TableConstraint>();
        var hasColumnList = IsKind(TokenKind.LeftParen);
        if (hasColumnList) ParseTableElements(columns, constraints);

        IReadOnlyList<SqlOption> options = [];
        if (TryWord("with")) options = ParseOptions();

        IReadOnlyList<Expr> partitionedBy = [];
        if (TryWord("partitioned"))
        {
            ExpectWord("by");
            Expect(TokenKind.LeftParen, "'('");
            partitionedBy = ParseExprList();
            Expect(TokenKind.RightParen, "')'");
        }

        Query? asQuery = null;
        if (TryWord("as")) asQuery = ParseQuery();

        return new CreateTableStatement(
            name, ifNotExists, temporary, hasColumnList, columns, constraints, options, partitionedBy, asQuery, SpanFrom(start));
    }

    private void ParseTableElements(List<ColumnDefinition> columns, List<TableConstraint> constraints)
    {
        Expect(TokenKind.LeftParen, "'('");
        if (TryConsume(TokenKind.RightParen)) return;
        do
        {
            // A trailing comma before ')' is a common slip; accept it like Arroyo's parser does.
            if (IsKind(TokenKind.RightParen)) break;
            if (IsWord("primary") && Peek().IsWord("key"))
            {
                constraints.Add(ParsePrimaryKeyConstraint());
            }
            else if (IsWord("watermark") && Peek().IsWord("for"))
            {
                constraints.Add(ParseWatermarkConstraint());
            }
            else
            {
                columns.Add(ParseColumnDefinition());
            }
        }
        while (TryConsume(TokenKind.Comma));
        Expect(TokenKind.RightParen, "',' or ')'");
    }

    private PrimaryKeyConstraint ParsePrimaryKeyConstraint()
    {
        var start = Advance().Span; // PRIMARY
        ExpectWord("key");
        var columns = ParseParenthesizedIdentifiers();
        return new PrimaryKeyConstraint(columns, SpanFrom(start));
    }

    private WatermarkConstraint ParseWatermarkConstraint()
    {
        var start = Advance().Span; // WATERMARK
        ExpectWord("for");
        var column = ParseIdentifier("a column name");
        var expression = TryWord("as") ? ParseExpr() : null;
        return new WatermarkConstraint(column, expression, SpanFrom(start));
    }

    private ColumnDefinition ParseColumnDefinition()
    {
        var name = ParseIdentifier("a column name or constraint");
        var type = ParseType();
        var nullability = Nullability.Unspecified;
        var primaryKey = false;
        Expr? generated = null;
        var stored = false;
        StringLiteral? metadataKey = null;

        // The clauses may come in any order (Arroyo's docs show METADATA FROM before PRIMARY KEY).
        while (true)
        {
            if (TryWords("not", "null"))
            {
                nullability = Nullability.NotNull;
            }
            else if (TryWord("null"))
            {
                nullability = Nullability.Null;
            }
            else if (TryWords("primary", "key"))
            {
                primaryKey = true;
            }
            else if (TryWord("generated"))
            {
                ExpectWord("always");
                ExpectWord("as");
                Expect(TokenKind.LeftParen, "'('");
                generated = ParseExpr();
                Expect(TokenKind.RightParen, "')'");
                if (TryWord("stored")) stored = true;
                else TryWord("virtual");
            }
            else if (TryWord("metadata"))
            {
                ExpectWord("from");
                var key = Expect(TokenKind.String, "a string with the metadata key");
                metadataKey = new StringLiteral(key.Value, key.Span);
            }
            else
            {
                break;
            }
        }
        return new ColumnDefinition(name, type, nullability, primaryKey, generated, stored, metadataKey, SpanFrom(name.Span));
    }

    private List<SqlOption> ParseOptions()
    {
        Expect(TokenKind.LeftParen, "'('");
        var options = new List<SqlOption>();
        if (TryConsume(TokenKind.RightParen)) return options;
        do
        {
            if (IsKind(TokenKind.RightParen)) break; // trailing comma
            options.Add(ParseOption());
        }
        while (TryConsume(TokenKind.Comma));
        Expect(TokenKind.RightParen, "',' or ')'");
        return options;
    }

    private SqlOption ParseOption()
    {
        var keyStart = Current.Span;
        string key;
        if (IsKind(TokenKind.String))
        {
            key = Advance().Value;
        }
        else
        {
            var parts = new List<string> { ParseIdentifier("an option name").Value };
            while (TryConsume(TokenKind.Dot)) parts.Add(ParseIdentifier("an option name").Value);
            key = string.Join('.', parts);
        }
        var keySpan = SpanFrom(keyStart);
        Expect(TokenKind.Eq, "'='");
        var value = ParseExpr();
        var (kind, text) = value switch
        {
            StringLiteral s => (SqlOptionKind.String, s.Value),
            NumberLiteral n => (SqlOptionKind.Number, n.Text),
            BooleanLiteral b => (SqlOptionKind.Boolean, b.Value ? "true" : "false"),
            IdentifierExpr i => (SqlOptionKind.Identifier, i.Name.Value),
            IntervalLiteral => (SqlOptionKind.Interval, SourceTextOf(value.Span)),
            ArrayExpr => (SqlOptionKind.Array, SourceTextOf(value.Span)),
            _ => (SqlOptionKind.Expression, SourceTextOf(value.Span)),
        };
        return new SqlOption(key, keySpan, kind, text, value, SpanFrom(keyStart));
    }
}
