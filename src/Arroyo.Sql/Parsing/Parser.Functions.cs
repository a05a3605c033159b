using Arroyo.Core.Errors;
using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>Function calls with DISTINCT, ORDER BY, WITHIN GROUP, FILTER and OVER.</summary>
internal sealed partial class Parser
{
    /// <summary>Parses from the '(' after <paramref name="name"/>.</summary>
    private FunctionCall ParseFunctionCall(ObjectName name)
    {
        Expect(TokenKind.LeftParen, "'('");
        var distinct = false;
        var arguments = new List<Expr>();
        if (!IsKind(TokenKind.RightParen))
        {
            distinct = TryWord("distinct");
            if (!distinct) TryWord("all");
            arguments.Add(ParseExpr());
        }
        return FinishFunctionCall(name, arguments, distinct);
    }

    /// <summary>Continues a call whose '(' and first argument were already consumed.</summary>
    private FunctionCall ContinueFunctionCall(ObjectName name, Expr firstArgument) =>
        FinishFunctionCall(name, [firstArgument], distinct: false);

    private FunctionCall FinishFunctionCall(ObjectName name, List<Expr> arguments, bool distinct)
    {
        if (arguments.Count > 0)
        {
            while (TryConsume(TokenKind.Comma)) arguments.Add(ParseExpr());
        }
        IReadOnlyList<OrderByItem> orderBy = [];
        if (TryWords("order", "by")) orderBy = ParseOrderByList();
        Expect(TokenKind.RightParen, arguments.Count == 0 ? "')'" : "',' or ')'");

        IReadOnlyList<OrderByItem> withinGroup = [];
        if (TryWords("within", "group"))
        {
            Expect(TokenKind.LeftParen, "'('");
            ExpectWord("order");
            ExpectWord("by");
            withinGroup = ParseOrderByList();
            Expect(TokenKind.RightParen, "')'");
        }

        Expr? filter = null;
        if (IsWord("filter") && Peek().Kind == TokenKind.LeftParen)
        {
            Advance();
            Advance();
            ExpectWord("where");
            filter = ParseExpr();
            Expect(TokenKind.RightParen, "')'");
        }

        // IGNORE/RESPECT NULLS after the call, as DataFusion's parser accepts it (lag(x) IGNORE NULLS OVER (…)).
        bool? ignoreNulls = null;
        if (TryWords("ignore", "nulls")) ignoreNulls = true;
        else if (TryWords("respect", "nulls")) ignoreNulls = false;

        WindowSpec? over = null;
        if (TryWord("over")) over = ParseWindowSpec();

        return new FunctionCall(name, arguments, distinct, orderBy, withinGroup, filter, over, SpanFrom(name.Span)) { IgnoreNulls = ignoreNulls };
    }

    private WindowSpec ParseWindowSpec()
    {
        var start = Current.Span;
        if (!IsKind(TokenKind.LeftParen))
        {
            var windowName = ParseIdentifier("'(' or a window name");
            return new WindowSpec(windowName, [], [], null, windowName.Span);
        }
        Advance();
        Identifier? baseName = null;
        if (Current.Kind is TokenKind.Word or TokenKind.QuotedIdentifier
            && !IsWord("partition") && !IsWord("order") && !IsWord("rows") && !IsWord("range") && !IsWord("groups"))
        {
            baseName = ParseIdentifier();
        }

        IReadOnlyList<Expr> partitionBy = [];
        if (TryWords("partition", "by")) partitionBy = ParseExprList();

        IReadOnlyList<OrderByItem> orderBy = [];
        if (TryWords("order", "by")) orderBy = ParseOrderByList();

        WindowFrame? frame = null;
        if (IsWord("rows") || IsWord("range") || IsWord("groups")) frame = ParseWindowFrame();

        Expect(TokenKind.RightParen, "')'");
        return new WindowSpec(baseName, partitionBy, orderBy, frame, SpanFrom(start));
    }

    private WindowFrame ParseWindowFrame()
    {
        var start = Current.Span;
        var units = Advance().Value.ToLowerInvariant() switch
        {
            "rows" => WindowFrameUnits.Rows,
            "range" => WindowFrameUnits.Range,
            _ => WindowFrameUnits.Groups,
        };
        if (TryWord("between"))
        {
            var from = ParseFrameBound();
            ExpectWord("and");
            var to = ParseFrameBound();
            return new WindowFrame(units, from, to, SpanFrom(start));
        }
        var only = ParseFrameBound();
        return new WindowFrame(units, only, null, SpanFrom(start));
    }

    private WindowFrameBound ParseFrameBound()
    {
        var start = Current.Span;
        if (TryWords("current", "row")) return new WindowFrameBound(WindowFrameBoundKind.CurrentRow, null, SpanFrom(start));
        if (TryWord("unbounded"))
        {
            if (TryWord("preceding")) return new WindowFrameBound(WindowFrameBoundKind.UnboundedPreceding, null, SpanFrom(start));
            ExpectWord("following");
            return new WindowFrameBound(WindowFrameBoundKind.UnboundedFollowing, null, SpanFrom(start));
        }
        // Parse above AND so "BETWEEN 1 PRECEDING AND ..." stops at PRECEDING.
        var offset = ParseExpr(AndPrecedence);
        if (TryWord("preceding")) return new WindowFrameBound(WindowFrameBoundKind.Preceding, offset, SpanFrom(start));
        if (TryWord("following")) return new WindowFrameBound(WindowFrameBoundKind.Following, offset, SpanFrom(start));
        throw Unexpected("PRECEDING or FOLLOWING");
    }
}
