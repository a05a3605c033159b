using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>
/// Syntax DataFusion plans onto functions (slices, array containment), and the expression forms
/// the streaming planner refuses, each with the reason the reference gives.
/// </summary>
internal sealed partial class ExprBinder
{
    /// <summary>
    /// <c>a[lower:upper[:stride]]</c> is array_slice (1-based, inclusive). DataFusion's SQL planner
    /// needs both bounds, and the stride defaults to 1.
    /// </summary>
    private BoundExpr Slice(Ast.SliceExpr s)
    {
        if (s.Lower is null) throw new UserException("This feature is not implemented: Slice subscript requires a lower bound", s.Span);
        if (s.Upper is null) throw new UserException("This feature is not implemented: Slice subscript requires an upper bound", s.Span);
        var args = new List<BoundExpr> { Bind(s.Target), Bind(s.Lower), Bind(s.Upper) };
        if (s.Stride is not null) args.Add(Bind(s.Stride));
        return _context.Functions.Scalar.BindCall("array_slice", args, s.Span);
    }

    /// <summary><c>a @&gt; b</c> is array_has_all(a, b) and <c>a &lt;@ b</c> array_has_all(b, a), for two arrays (DataFusion's nested-function planner).</summary>
    private BoundExpr ArrayContainment(Ast.BinaryExpr b, BoundExpr left, BoundExpr right)
    {
        var symbol = b.Operator == Ast.BinaryOperator.AtArrow ? "@>" : "<@";
        if (left.Type.Kind != TypeKind.List || right.Type.Kind != TypeKind.List)
        {
            throw new UserException(
                $"Error during planning: operator {symbol} needs two arrays, got {left.Type} {symbol} {right.Type}", b.OperatorSpan);
        }
        BoundExpr[] args = b.Operator == Ast.BinaryOperator.AtArrow ? [left, right] : [right, left];
        return _context.Functions.Scalar.BindCall("array_has_all", args, b.Span);
    }

    /// <summary>
    /// <c>ESCAPE</c> after LIKE / ILIKE: backslash is already the escape of every pattern, and the only
    /// one DataFusion's physical planner accepts; SIMILAR TO takes none.
    /// </summary>
    private static void CheckLikeEscape(Ast.LikeExpr l)
    {
        var escape = l.Escape!;
        if (l.Kind == Ast.LikeKind.SimilarTo)
        {
            throw new UserException("This feature is not implemented: SIMILAR TO ... ESCAPE", escape.Span);
        }
        if (escape is not Ast.StringLiteral { Value: var text } || text.Length != 1)
        {
            throw new UserException("Error during planning: Invalid escape character in LIKE expression: it must be one character", escape.Span);
        }
        if (text != "\\")
        {
            throw new UserException("LIKE does not support escape_char other than the backslash (\\)", escape.Span,
                "write the pattern with backslash escapes: \\% for a literal %, \\_ for a literal _");
        }
    }

    /// <summary>
    /// DataFusion decorrelates IN / EXISTS into semi and anti joins and scalar subqueries into left
    /// joins. The reference's streaming join planner runs only inner joins over input that is not
    /// windowed, and over windowed input needs both sides' event times in the output, which semi
    /// and anti joins drop: none of these plans.
    /// </summary>
    private static UserException SubqueryNotSupported(Ast.Expr expr)
    {
        var (form, join) = expr switch
        {
            Ast.InSubqueryExpr { Negated: false } => ("IN (subquery)", "a semi join"),
            Ast.InSubqueryExpr => ("NOT IN (subquery)", "an anti join"),
            Ast.ExistsExpr { Negated: false } => ("EXISTS (subquery)", "a semi join"),
            Ast.ExistsExpr => ("NOT EXISTS (subquery)", "an anti join"),
            _ => ("a scalar subquery", "a left join"),
        };
        var why = join == "a left join"
            ? "which streaming queries do not support (a left join runs only between two inputs with the same window)"
            : "which streaming queries do not support (they run inner joins, and outer joins of windowed inputs)";
        return new UserException(
            $"This feature is not implemented: {form} is planned as {join}, {why}",
            expr.Span,
            "join the two inputs explicitly with JOIN ... ON");
    }

    /// <summary>
    /// GROUPING SETS, ROLLUP and CUBE: the reference's aggregate rewriter keys a streaming aggregate by
    /// plain expressions and cannot compute the keys of a grouping set, so it fails to plan them.
    /// </summary>
    private static UserException GroupingSetsNotSupported(Ast.GroupingSetExpr g)
    {
        var name = g.Kind switch
        {
            Ast.GroupingSetKind.Rollup => "ROLLUP",
            Ast.GroupingSetKind.Cube => "CUBE",
            _ => "GROUPING SETS",
        };
        return new UserException(
            $"This feature is not implemented: {name} in a streaming aggregate (each key of a streaming GROUP BY must be a plain expression)",
            g.Span,
            "write one aggregate per grouping and combine them with UNION ALL, adding NULL for the columns a grouping leaves out");
    }
}
