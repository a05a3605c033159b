using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Logical;

/// <summary>
/// "The rows of a window at the window's maximum": an inner windowed join of L with
/// R = (one MAX(e) [or MIN] grouped by the window only) on <c>L.c = R.m</c> (or <c>L.c &gt;= R.m</c>
/// for MAX, <c>&lt;=</c> for MIN) and window equalities becomes a <see cref="WindowMaxRowsSpec"/>
/// keeping per window the rows of L whose c is the window's maximum, with R's columns filled
/// from the row (m = c, window = L's window). Valid when the maximum of L.c per window is R's:
/// <list type="number">
/// <item>L's plan is R's aggregate input and c is the aggregated column (Nexmark q5);</item>
/// <item>tumbling windows, L = an aggregate over the same input X as R grouped by the window and
///   keys including e as a plain column, without HAVING (Nexmark q7). L's groups at the maximum
///   are made only of X's rows at it, so the filter runs on X's rows before L keeps them.</item>
/// </list>
/// Both run in two phases: each subtask keeps its local maximum rows (forward edge), one
/// subtask merges them (a shuffle on no keys), so no row below a local maximum is shuffled.
/// Rows whose c is NULL never match, as MAX ignores NULLs and = is not true on NULL; R has one
/// row per window, so every row of L matches at most once, as in the join.
/// </summary>
internal static class WindowMaxJoin
{
    /// <summary>The join's condition, read by the binder: <c>L.c op R.m</c> with the column indices of each side's schema.</summary>
    public readonly record struct Condition(int LeftColumn, BinaryOp Op, int RightColumn);

    /// <summary>
    /// The node replacing the join (its schema: L's user fields, R's user fields, all nullable,
    /// then <c>_timestamp</c>), or null when the shape does not match.
    /// </summary>
    /// <param name="same">Whether two plan nodes compute the same rows (equal specs over the same inputs).</param>
    public static PlanNode? TryRewrite(PlanNode left, PlanNode right, Condition condition, Func<PlanNode, PlanNode, bool> same)
    {
        if (Aggregate(right) is not { } max) return null;
        var minimum = max.Minimum;
        var op = condition.Op;
        if (!(op == BinaryOp.Equal || (op == BinaryOp.GreaterOrEqual && !minimum) || (op == BinaryOp.LessOrEqual && minimum))) return null;
        if (!max.MaxColumns.Contains(condition.RightColumn)) return null;
        var c = condition.LeftColumn;
        var type = left.Schema[c].Type;
        if (type != right.Schema[condition.RightColumn].Type || !WindowMaxRowsSpec.Supports(type)) return null;
        var leftWindow = left.WindowFields.Count > 0 ? left.WindowFields.Min() : -1;
        if (max.WindowColumns.Count > 0 && leftWindow < 0) return null;

        var rows = PerTimestamp(left, c, max, same, minimum) ?? PerTumble(left, c, max, same, minimum);
        if (rows is null) return null;

        var columns = new List<(BoundExpr, string)>();
        for (var i = 0; i < left.UserFieldCount; i++) columns.Add((Nullable(rows.Schema, i), left.Schema[i].Name));
        for (var i = 0; i < right.UserFieldCount; i++) columns.Add((Nullable(rows.Schema, max.MaxColumns.Contains(i) ? c : leftWindow), right.Schema[i].Name));
        return Nodes.Project(rows, columns);
    }

    private static ColumnRef Nullable(Schema schema, int index) => Nodes.Ref(schema, index) with { Nullable = true };

    /// <summary>R's shape: its aggregate node, the aggregate's input projection, and which of R's columns are the maximum and the window.</summary>
    private sealed record MaxAggregate(
        PlanNode Node, TumblingAggregateSpec Spec, PlanNode Arguments, ColumnRef Argument, bool Minimum,
        HashSet<int> MaxColumns, HashSet<int> WindowColumns);

    private static MaxAggregate? Aggregate(PlanNode right)
    {
        var node = right;
        var map = Enumerable.Range(0, right.UserFieldCount).ToArray();
        if (right.Spec is ProjectionSpec projection)
        {
            if (right.Inputs is not [{ Kind: EdgeKind.Forward } edge]) return null;
            for (var i = 0; i < map.Length; i++)
            {
                if (projection.Expressions[i] is not ColumnRef r) return null;
                map[i] = r.Index;
            }
            node = edge.From;
        }
        if (node.Spec is not TumblingAggregateSpec { Aggregates: [var call] } spec) return null;
        if (call.Function.Name is not ("max" or "min") || call.Args.Count != 1 || call.FilterColumn is not null || call.OrderBy.Count > 0) return null;
        if (node.Inputs is not [{ From: { Spec: ProjectionSpec arguments } argumentsNode }]) return null;
        if (arguments.Expressions[call.Args[0]] is not ColumnRef argument || argumentsNode.Inputs is not [{ Kind: EdgeKind.Forward }]) return null;
        var maxOutput = node.UserFieldCount - 1;
        var maxColumns = new HashSet<int>();
        var windowColumns = new HashSet<int>();
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] == maxOutput) maxColumns.Add(i);
            else if (node.WindowFields.Contains(map[i])) windowColumns.Add(i);
            else return null;
        }
        return new MaxAggregate(node, spec, argumentsNode, argument, call.Function.Name == "min", maxColumns, windowColumns);
    }

    /// <summary>
    /// Shape 1: R aggregates L itself by L's window column (rows of one window share their
    /// <c>_timestamp</c>, so each timestamp is a window).
    /// </summary>
    private static PlanNode? PerTimestamp(PlanNode left, int c, MaxAggregate max, Func<PlanNode, PlanNode, bool> same, bool minimum)
    {
        var input = max.Arguments.Inputs[0].From;
        if (max.Spec.KeyColumns is not [var key] || max.Spec.WindowOutputIndex is not null) return null;
        if (((ProjectionSpec)max.Arguments.Spec).Expressions[key] is not ColumnRef window || !input.WindowFields.Contains(window.Index)) return null;
        if (max.Argument.Index != c || left.Window is null || !same(left, input)) return null;
        return TwoPhases(left, c, minimum, 1);
    }

    /// <summary>
    /// Shape 2: L is a tumbling aggregate over R's input X, grouped by the window and keys that
    /// include R's argument column: the filter goes between L's key projection and L.
    /// </summary>
    private static PlanNode? PerTumble(PlanNode left, int c, MaxAggregate max, Func<PlanNode, PlanNode, bool> same, bool minimum)
    {
        if (max.Spec.KeyColumns.Count != 0 || max.Spec.WindowOutputIndex is null) return null;
        var aggregate = left;
        var column = c;
        ProjectionSpec? outer = null;
        if (left.Spec is ProjectionSpec projection)
        {
            if (left.Inputs is not [{ Kind: EdgeKind.Forward } edge] || projection.Expressions[c] is not ColumnRef r) return null;
            outer = projection;
            aggregate = edge.From;
            column = r.Index;
        }
        if (aggregate.Spec is not TumblingAggregateSpec { WindowOutputIndex: { } windowAt } spec || spec.WidthNanos != max.Spec.WidthNanos) return null;
        if (column == windowAt || column > spec.KeyColumns.Count) return null;
        var keyColumn = spec.KeyColumns[column < windowAt ? column : column - 1];
        if (aggregate.Inputs is not [{ From: { Spec: ProjectionSpec keys } keysNode } shuffle]) return null;
        if (keys.Expressions[keyColumn] is not ColumnRef e || e.Index != max.Argument.Index) return null;
        if (keysNode.Inputs is not [{ Kind: EdgeKind.Forward } keysInput] || !same(keysInput.From, max.Arguments.Inputs[0].From)) return null;

        var filtered = TwoPhases(keysNode, keyColumn, minimum, spec.WidthNanos);
        var rebuilt = new PlanNode(spec, [shuffle with { From = filtered }], aggregate.Schema)
        {
            Window = aggregate.Window,
            WindowFields = aggregate.WindowFields,
        };
        if (outer is null) return rebuilt;
        return new PlanNode(outer, [left.Inputs[0] with { From = rebuilt }], left.Schema)
        {
            Window = left.Window,
            WindowFields = left.WindowFields,
        };
    }

    private static PlanNode TwoPhases(PlanNode input, int column, bool minimum, long width)
    {
        var spec = new WindowMaxRowsSpec(input.Schema, column, minimum, width, Partial: true);
        var partial = new PlanNode(spec, [new PlanEdge(input, EdgeKind.Forward)], input.Schema)
        {
            Window = input.Window,
            WindowFields = input.WindowFields,
        };
        return new PlanNode(spec with { Partial = false }, [new PlanEdge(partial, EdgeKind.Shuffle, [])], input.Schema)
        {
            Window = input.Window,
            WindowFields = input.WindowFields,
        };
    }
}
