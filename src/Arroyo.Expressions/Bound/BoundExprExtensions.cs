namespace Arroyo.Expressions.Bound;

public static class BoundExprExtensions
{
    /// <summary>
    /// Rewrites bottom-up: children first, then <paramref name="rewrite"/> on the node
    /// (return the node itself to keep it). Used by the planner to remap column indices.
    /// </summary>
    public static BoundExpr Transform(this BoundExpr expr, Func<BoundExpr, BoundExpr> rewrite)
    {
        var children = expr.Children.ToArray();
        if (children.Length > 0)
        {
            var changed = false;
            var rewritten = new BoundExpr[children.Length];
            for (var i = 0; i < children.Length; i++)
            {
                rewritten[i] = children[i].Transform(rewrite);
                changed |= !ReferenceEquals(rewritten[i], children[i]);
            }
            if (changed) expr = expr.WithChildren(rewritten);
        }
        return rewrite(expr);
    }

    /// <summary>Every node, parents before children.</summary>
    public static IEnumerable<BoundExpr> Descendants(this BoundExpr expr)
    {
        yield return expr;
        foreach (var child in expr.Children)
        {
            foreach (var d in child.Descendants()) yield return d;
        }
    }

    /// <summary>The distinct input column indices the expression reads.</summary>
    public static IReadOnlyList<int> ReferencedColumns(this BoundExpr expr) =>
        expr.Descendants().OfType<ColumnRef>().Select(c => c.Index).Distinct().Order().ToArray();
}
