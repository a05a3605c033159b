using Arroyo.Core.Errors;
using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>Queries: WITH, SELECT, set operations, FROM items and joins, ORDER BY / LIMIT.</summary>
internal sealed partial class Parser
{
    private bool IsQueryStart() => IsQueryStartAt(_index);

    /// <summary>True when a query begins at <paramref name="index"/>, looking through any number of '('.</summary>
    private bool IsQueryStartAt(int index)
    {
        while (PeekAt(index).Kind == TokenKind.LeftParen) index++;
        var token = PeekAt(index);
        return token.IsWord("select") || token.IsWord("with") || token.IsWord("values");
    }

    private Query ParseQuery()
    {
        var start = Current.Span;
        var ctes = new List<CommonTableExpression>();
        if (TryWord("with"))
        {
            TryWord("recursive");
            do ctes.Add(ParseCte());
            while (TryConsume(TokenKind.Comma));
        }

        var body = ParseSetExpression(0);

        var orderBy = new List<OrderByItem>();
        if (TryWords("order", "by")) orderBy = ParseOrderByList();

        Expr? limit = null;
        Expr? offset = null;
        // LIMIT and OFFSET may come in either order (PostgreSQL accepts both).
        for (var i = 0; i < 2; i++)
        {
            if (limit is null && TryWord("limit"))
            {
                if (!TryWord("all")) limit = ParseExpr();
            }
            else if (offset is null && TryWord("offset"))
            {
                offset = ParseExpr();
                if (!TryWord("rows")) TryWord("row");
            }
        }

        // "(SELECT ...)" used as a whole query: return the inner query so callers need not unwrap it.
        if (ctes.Count == 0 && orderBy.Count == 0 && limit is null && offset is null && body is NestedQueryBody nested)
        {
            return nested.Query;
        }
        return new Query(ctes, body, orderBy, limit, offset, SpanFrom(start));
    }

    private CommonTableExpression ParseCte()
    {
        var name = ParseName("a name for the WITH query");
        var columns = IsKind(TokenKind.LeftParen) ? ParseParenthesizedIdentifiers() : [];
        ExpectWord("as");
        Expect(TokenKind.LeftParen, "'('");
        var query = ParseQuery();
        Expect(TokenKind.RightParen, "')'");
        return new CommonTableExpression(name, columns, query, SpanFrom(name.Span));
    }

    /// <summary>UNION/EXCEPT bind looser than INTERSECT, all left-associative.</summary>
    private QueryBody ParseSetExpression(int minPrecedence)
    {
        var left = ParseQueryPrimary();
        while (true)
        {
            var (op, precedence) = Current switch
            {
                var t when t.IsWord("union") => (SetOperator.Union, 1),
                var t when t.IsWord("except") => (SetOperator.Except, 1),
                var t when t.IsWord("intersect") => (SetOperator.Intersect, 2),
                _ => (SetOperator.Union, 0),
            };
            if (precedence == 0 || precedence <= minPrecedence) return left;
            var operatorSpan = Advance().Span;
            var all = IsWord("all");
            if (all || IsWord("distinct")) operatorSpan = operatorSpan.Union(Advance().Span);
            var right = ParseSetExpression(precedence);
            left = new SetOperation(op, all, left, right, left.Span.Union(right.Span)) { OperatorSpan = operatorSpan };
        }
    }

    private List<Expr> ParseGroupByList()
    {
        var list = new List<Expr> { ParseGroupByItem() };
        while (TryConsume(TokenKind.Comma)) list.Add(ParseGroupByItem());
        return list;
    }

    /// <summary>A GROUP BY item: an expression, or GROUPING SETS / ROLLUP / CUBE (kept for the binder to judge).</summary>
    private Expr ParseGroupByItem()
    {
        var start = Current.Span;
        if (IsWord("grouping") && Peek().IsWord("sets"))
        {
            Advance();
            Advance();
            Expect(TokenKind.LeftParen, "'('");
            var sets = new List<IReadOnlyList<Expr>>();
            do sets.Add(ParseGroupingElement());
            while (TryConsume(TokenKind.Comma));
            Expect(TokenKind.RightParen, "',' or ')'");
            return new GroupingSetExpr(GroupingSetKind.GroupingSets, sets, SpanFrom(start));
        }
        if ((IsWord("rollup") || IsWord("cube")) && Peek().Kind == TokenKind.LeftParen)
        {
            var kind = IsWord("rollup") ? GroupingSetKind.Rollup : GroupingSetKind.Cube;
            Advance();
            Advance();
            var sets = new List<IReadOnlyList<Expr>>();
            do sets.Add(ParseGroupingElement());
            while (TryConsume(TokenKind.Comma));
            Expect(TokenKind.RightParen, "',' or ')'");
            return new GroupingSetExpr(kind, sets, SpanFrom(start));
        }
        return ParseExpr();
    }

    /// <summary><c>(a, b)</c>, <c>()</c> or a single expression inside GROUPING SETS / ROLLUP / CUBE.</summary>
    private List<Expr> ParseGroupingElement()
    {
        if (IsKind(TokenKind.LeftParen) && Peek().Kind == TokenKind.RightParen)
        {
            Advance();
            Advance();
            return [];
        }
        return ParseExpr() switch
        {
            RowExpr row => [.. row.Elements],
            var single => [single],
        };
    }

    private QueryBody ParseQueryPrimary()
    {
        if (IsWord("select")) return ParseSelect();
        if (IsWord("values")) return ParseValues();
        if (IsKind(TokenKind.LeftParen))
        {
            var start = Advance().Span;
            var query = ParseQuery();
            Expect(TokenKind.RightParen, "')'");
            return new NestedQueryBody(query, SpanFrom(start));
        }
        throw Unexpected("SELECT, VALUES or '('");
    }

    private ValuesBody ParseValues()
    {
        var start = Advance().Span; // VALUES
        var rows = new List<IReadOnlyList<Expr>>();
        do
        {
            Expect(TokenKind.LeftParen, "'('");
            rows.Add(ParseExprList());
            Expect(TokenKind.RightParen, "')'");
        }
        while (TryConsume(TokenKind.Comma));
        return new ValuesBody(rows, SpanFrom(start));
    }

    private Select ParseSelect()
    {
        var start = Advance().Span; // SELECT
        var distinct = TryWord("distinct");
        if (!distinct) TryWord("all");

        var projection = new List<SelectItem>();
        do projection.Add(ParseSelectItem());
        while (TryConsume(TokenKind.Comma));

        var from = new List<TableRef>();
        if (TryWord("from"))
        {
            do from.Add(ParseTableRef());
            while (TryConsume(TokenKind.Comma));
        }

        var where = TryWord("where") ? ParseExpr() : null;

        IReadOnlyList<Expr> groupBy = [];
        if (TryWords("group", "by")) groupBy = ParseGroupByList();

        var having = TryWord("having") ? ParseExpr() : null;

        return new Select(distinct, projection, from, where, groupBy, having, SpanFrom(start));
    }

    private SelectItem ParseSelectItem()
    {
        var expr = ParseExpr();
        if (expr is WildcardExpr wildcard) return new WildcardSelectItem(wildcard.Qualifier, wildcard.Span);
        var alias = ParseOptionalAlias();
        return new ExprSelectItem(expr, alias, SpanFrom(expr.Span));
    }

    /// <summary><c>AS name</c>, or a bare name that cannot be read as the next clause.</summary>
    private Identifier? ParseOptionalAlias()
    {
        if (TryWord("as")) return ParseIdentifier("an alias");
        if (Current.Kind == TokenKind.QuotedIdentifier
            || (Current.Kind == TokenKind.Word && !Keywords.NotAnImplicitAlias.Contains(Current.Value)))
        {
            return MakeIdentifier(Advance());
        }
        return null;
    }

    private List<OrderByItem> ParseOrderByList()
    {
        var items = new List<OrderByItem>();
        do
        {
            var expr = ParseExpr();
            bool? ascending = TryWord("asc") ? true : TryWord("desc") ? false : null;
            bool? nullsFirst = null;
            if (TryWord("nulls"))
            {
                if (TryWord("first")) nullsFirst = true;
                else if (TryWord("last")) nullsFirst = false;
                else throw Unexpected("FIRST or LAST");
            }
            items.Add(new OrderByItem(expr, ascending, nullsFirst, SpanFrom(expr.Span)));
        }
        while (TryConsume(TokenKind.Comma));
        return items;
    }

    // ------------------------------------------------------------ FROM

    private TableRef ParseTableRef()
    {
        var left = ParseTableFactor();
        while (true)
        {
            if (TryWords("cross", "join"))
            {
                var crossRight = ParseTableFactor();
                left = new JoinTableRef(JoinKind.Cross, left, crossRight, null, [], false, left.Span.Union(crossRight.Span));
                continue;
            }

            var natural = TryWord("natural");
            JoinKind kind;
            var sawJoin = false;
            if (TryWord("join"))
            {
                kind = JoinKind.Inner;
                sawJoin = true;
            }
            else if (TryWord("inner")) kind = JoinKind.Inner;
            else if (TryWord("left")) kind = JoinKind.Left;
            else if (TryWord("right")) kind = JoinKind.Right;
            else if (TryWord("full")) kind = JoinKind.Full;
            else if (natural) throw Unexpected("JOIN");
            else return left;

            if (!sawJoin)
            {
                if (kind != JoinKind.Inner) TryWord("outer");
                ExpectWord("join");
            }

            var right = ParseTableFactor();
            Expr? on = null;
            IReadOnlyList<Identifier> usingColumns = [];
            if (!natural)
            {
                if (TryWord("on")) on = ParseExpr();
                else if (TryWord("using")) usingColumns = ParseParenthesizedIdentifiers();
                else throw Unexpected("ON or USING", "a join needs a condition: ON <condition> or USING (columns); use CROSS JOIN for none");
            }
            left = new JoinTableRef(kind, left, right, on, usingColumns, natural, SpanFrom(left.Span));
        }
    }

    private TableRef ParseTableFactor()
    {
        var start = Current.Span;
        if (IsKind(TokenKind.LeftParen))
        {
            if (IsQueryStartAt(_index + 1))
            {
                Advance();
                var query = ParseQuery();
                Expect(TokenKind.RightParen, "')'");
                var alias = ParseOptionalTableAlias();
                return new DerivedTableRef(query, alias, SpanFrom(start));
            }
            // A parenthesized join tree: FROM (a JOIN b ON ...).
            Advance();
            var inner = ParseTableRef();
            Expect(TokenKind.RightParen, "')'");
            return inner with { Span = SpanFrom(start) };
        }

        var name = ParseObjectName("a table name or subquery");
        if (IsKind(TokenKind.LeftParen))
        {
            var call = ParseFunctionCall(name);
            var functionAlias = ParseOptionalTableAlias();
            return new TableFunctionRef(call, functionAlias, SpanFrom(start));
        }
        var tableAlias = ParseOptionalTableAlias();
        return new NamedTableRef(name, tableAlias, SpanFrom(start));
    }

    private TableAlias? ParseOptionalTableAlias()
    {
        var start = Current.Span;
        var name = ParseOptionalAlias();
        if (name is null) return null;
        var columns = IsKind(TokenKind.LeftParen) ? ParseParenthesizedIdentifiers() : [];
        return new TableAlias(name, columns, SpanFrom(start));
    }
}
