using Arroyo.Core.Errors;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Logical;

/// <summary>
/// Streaming top-N: a filter <c>rn &lt;= N</c> (or <c>rn &lt; N</c>, <c>rn = 1</c>, <c>N &gt;= rn</c>, as one
/// conjunct of the WHERE) over the ranking column of an updating top-N node, seen through the
/// projections between them, becomes that node's limit, so it emits and keeps only the rows
/// that can pass. The filter itself stays (the operator emits exactly those rows, so it is a no-op
/// then, and it keeps the query right whatever the limit).
/// </summary>
internal static class TopNLimit
{
    /// <summary><paramref name="input"/> with the limit pushed into the top-N node below it, or <paramref name="input"/> itself.</summary>
    public static PlanNode Push(PlanNode input, BoundExpr predicate)
    {
        // Follow the columns down through projections that pass them on unchanged.
        var chain = new List<PlanNode>();
        var node = input;
        var columns = new Dictionary<int, int>();
        for (var i = 0; i < node.Schema.Count; i++) columns[i] = i;
        while (node.Spec is ProjectionSpec projection && node.Inputs.Count == 1)
        {
            var next = new Dictionary<int, int>();
            foreach (var (outer, at) in columns)
            {
                if (projection.Expressions[at] is ColumnRef c) next[outer] = c.Index;
            }
            columns = next;
            chain.Add(node);
            node = node.Inputs[0].From;
        }
        if (node.Spec is not UpdatingTopNSpec topN) return input;
        var functionColumn = topN.Input.Count - (topN.Input.IsUpdating ? 2 : 1) + topN.LimitFunction;

        long? limit = null;
        foreach (var conjunct in Conjuncts(predicate))
        {
            if (Bound(conjunct) is not var (column, bound)) continue;
            if (!columns.TryGetValue(column, out var at) || at != functionColumn) continue;
            limit = limit is { } l ? Math.Min(l, bound) : bound;
        }
        if (limit is not { } found || (topN.Limit is { } existing && existing <= found)) return input;

        var rebuilt = new PlanNode(topN with { Limit = found }, node.Inputs, node.Schema) { Window = node.Window, WindowFields = node.WindowFields };
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var p = chain[i];
            rebuilt = new PlanNode(p.Spec, [p.Inputs[0] with { From = rebuilt }], p.Schema) { Window = p.Window, WindowFields = p.WindowFields };
        }
        return rebuilt;
    }

    /// <summary>
    /// Refuses a ranking function over input that is not windowed without a limit, as the reference
    /// refuses every one: numbering every row of an unbounded stream would renumber (retract and
    /// re-emit) whole partitions at each arrival.
    /// </summary>
    public static void RequireLimits(IEnumerable<PlanNode> sinks, PlannerContext context)
    {
        if (context.UnlimitedTopN.Count == 0) return;
        var seen = new HashSet<PlanNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<PlanNode>(sinks);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!seen.Add(node)) continue;
            if (context.UnlimitedTopN.TryGetValue(node, out var span))
            {
                throw new UserException("Error during planning: Window functions require already windowed input", span,
                    hint: "over a stream that is not windowed, filter on the ranking column (WHERE rn <= N) for a streaming top-N");
            }
            foreach (var input in node.Inputs) stack.Push(input.From);
        }
    }

    private static IEnumerable<BoundExpr> Conjuncts(BoundExpr predicate) =>
        predicate is BinaryExpr { Op: BinaryOp.And } and
            ? Conjuncts(and.Left).Concat(Conjuncts(and.Right))
            : [predicate];

    /// <summary>(column, largest passing value) of <c>column &lt;= k</c>, <c>column &lt; k</c>, <c>column = k</c> or their mirror images.</summary>
    private static (int Column, long Bound)? Bound(BoundExpr conjunct)
    {
        if (conjunct is not BinaryExpr binary) return null;
        var (op, left, right) = (binary.Op, Strip(binary.Left), Strip(binary.Right));
        if (left is Literal && right is ColumnRef)
        {
            (left, right) = (right, left);
            op = op switch
            {
                BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual,
                BinaryOp.Greater => BinaryOp.Less,
                BinaryOp.Equal => BinaryOp.Equal,
                _ => BinaryOp.NotEqual,
            };
        }
        if (left is not ColumnRef column || right is not Literal { Value: not null } literal) return null;
        decimal value;
        try
        {
            value = Convert.ToDecimal(literal.Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return null;
        }
        var bound = op switch
        {
            BinaryOp.LessOrEqual or BinaryOp.Equal => Math.Floor(value),
            BinaryOp.Less => Math.Ceiling(value) - 1,
            _ => (decimal?)null,
        };
        if (bound is not { } b) return null;
        return (column.Index, (long)Math.Clamp(b, -1, long.MaxValue));
    }

    private static BoundExpr Strip(BoundExpr expr) => expr is CastExpr cast ? Strip(cast.Input) : expr;
}
