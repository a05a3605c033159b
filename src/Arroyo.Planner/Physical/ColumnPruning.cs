using Arroyo.Connectors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Column pruning, down to struct fields: walks the graph from the sinks back to the sources
/// and works out which parts of each node's output its consumers read, then tells sources
/// (<see cref="SourceSpec.Usage"/>) and filters (<see cref="FilterSpec.OutputUsage"/>) so they
/// neither generate nor copy the rest. Nexmark's <c>WHERE bid IS NOT NULL</c> then
/// <c>SELECT bid.auction, …</c> reads four of the bid's seven fields and none of the person or
/// auction fields. Only filters, watermarks and projections are looked into; any other
/// consumer (aggregates, joins, sinks, the runtime's shuffles) reads everything it receives.
/// Always conservative: a projection's computed expressions count as read even when their
/// output is not (a kernel over placeholder zeros could fail, e.g. divide by zero); only plain
/// column and field references are dropped with their unread outputs.
/// The same walk works out which rows are needed (<see cref="ColumnUsage.RowsWithAnyNonNull"/>):
/// when every path from a source starts with a filter <c>c IS NOT NULL AND …</c>, rows where
/// <c>c</c> is NULL are dropped anyway, and the nexmark source does not generate them.
/// </summary>
internal static class ColumnPruning
{
    public static DataflowNode[] Apply(IReadOnlyList<DataflowNode> nodes, IReadOnlyList<DataflowEdge> edges)
    {
        var result = nodes.ToArray();
        var index = new Dictionary<int, int>();
        for (var i = 0; i < nodes.Count; i++) index[nodes[i].Id] = i;
        // What consumers read of each node's output; filled in by the consumers (which come later in topological order).
        var read = nodes.Select(n => new Use?[n.Operator.OutputSchema.Count]).ToArray();
        // Which rows consumers need of each node's output: null = all of them (also the
        // starting point: a node without consumers is a sink), else rows with any of the
        // columns non-null. Set by the first consumer, then only ever widened.
        var rows = new HashSet<int>?[nodes.Count];
        var rowsSet = new bool[nodes.Count];
        for (var k = nodes.Count - 1; k >= 0; k--)
        {
            var node = nodes[k];
            var output = read[k];
            var outputRows = rowsSet[k] ? rows[k] : null;
            KeepInternalColumns(node.Operator.OutputSchema, output);
            foreach (var edge in edges.Where(e => e.Target == node.Id))
            {
                var source = index[edge.Source];
                var input = read[source];
                // The runtime hashes shuffle keys itself.
                foreach (var key in edge.Keys) input[key] = Use.Whole;
                ReadInput(node.Operator, edge.TargetInput, output, input);
                var inputRows = RowsNeeded(node.Operator, outputRows);
                rows[source] = !rowsSet[source] ? inputRows
                    : rows[source] is null || inputRows is null ? null
                    : [.. rows[source]!, .. inputRows];
                rowsSet[source] = true;
            }
            switch (node.Operator)
            {
                case SourceSpec source when ToUsage(output, outputRows) is { IsAll: false } usage:
                    result[k] = node with { Operator = source with { Usage = usage } };
                    break;
                case FilterSpec filter when ToUsage(output, null) is { IsAll: false } usage:
                    result[k] = node with { Operator = filter with { OutputUsage = usage } };
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// The rows <paramref name="spec"/> needs of its input, given the rows needed of its output
    /// (null: all). Never fewer than it needs: a filter testing <c>c IS NOT NULL</c> needs only
    /// rows with <c>c</c>; filters and watermarks pass their columns through unchanged, and a
    /// projection passes plain column references; anything else needs every row.
    /// </summary>
    private static HashSet<int>? RowsNeeded(OperatorSpec spec, HashSet<int>? outputRows)
    {
        switch (spec)
        {
            case FilterSpec filter:
                return NotNullColumn(filter.Predicate) is { } column ? [column] : outputRows;
            case WatermarkSpec:
                return outputRows;
            case ProjectionSpec projection when outputRows is not null:
                var inputRows = new HashSet<int>();
                foreach (var i in outputRows)
                {
                    if (projection.Expressions[i] is not ColumnRef c) return null;
                    inputRows.Add(c.Index);
                }
                return inputRows;
            default:
                return null;
        }
    }

    /// <summary>A column <c>c</c> such that the predicate is false or NULL wherever <c>c</c> is NULL (a top-level <c>c IS NOT NULL</c> conjunct).</summary>
    private static int? NotNullColumn(BoundExpr predicate) => predicate switch
    {
        UnaryExpr { Op: UnaryOp.IsNotNull, Input: ColumnRef c } => c.Index,
        BinaryExpr { Op: BinaryOp.And } and => NotNullColumn(and.Left) ?? NotNullColumn(and.Right),
        _ => null,
    };

    /// <summary>Marks in <paramref name="input"/> what <paramref name="spec"/> reads, given what is read of its output.</summary>
    private static void ReadInput(OperatorSpec spec, int side, Use?[] output, Use?[] input)
    {
        switch (spec)
        {
            case UpdatingJoinSpec join:
                ReadJoinSide(side == 0 ? join.LeftInput : join.RightInput, side == 0 ? join.LeftKeys : join.RightKeys,
                    side == 0 ? 0 : UserColumns(join.LeftInput), output, input);
                break;
            case FilterSpec filter:
                PassThrough(output, input);
                Read(filter.Predicate, input);
                break;
            case WindowMaxRowsSpec maxRows:
                PassThrough(output, input);
                input[maxRows.Column] = Use.Whole;
                input[maxRows.Input.TimestampIndex] = Use.Whole;
                break;
            case WatermarkSpec watermark:
                PassThrough(output, input);
                if (watermark.Expression is not null) Read(watermark.Expression, input);
                break;
            case ProjectionSpec projection:
                for (var i = 0; i < projection.Expressions.Count; i++)
                {
                    var expr = projection.Expressions[i];
                    if (Path(expr) is var (column, path))
                    {
                        if (output[i] is { } use) Mark(input, column, path, use);
                    }
                    else
                    {
                        Read(expr, input);
                    }
                }
                break;
            default:
                for (var i = 0; i < input.Length; i++) input[i] = Use.Whole;
                break;
        }
    }

    /// <summary>
    /// A join emits each side's user columns in order (left then right), then its own
    /// <c>_is_retract</c> and <c>_timestamp</c>: an input column is read where its output column
    /// is, plus the keys. Stored rows keep their whole batches alive, so this is also what
    /// bounds the join's memory.
    /// </summary>
    private static void ReadJoinSide(Schema schema, IReadOnlyList<int> keys, int offset, Use?[] output, Use?[] input)
    {
        var position = offset;
        for (var c = 0; c < schema.Count && c < input.Length; c++)
        {
            if (IsInternal(schema[c])) input[c] = Use.Whole;
            else if (output[position++] is { } use) input[c] = Use.Merge(input[c], use);
        }
        foreach (var key in keys) input[key] = Use.Whole;
    }

    private static bool IsInternal(Field f) => f.Name is Schema.TimestampFieldName or Schema.RetractFieldName;

    private static int UserColumns(Schema schema) => schema.Fields.Count(f => !IsInternal(f));

    private static void PassThrough(Use?[] output, Use?[] input)
    {
        for (var i = 0; i < output.Length && i < input.Length; i++)
        {
            if (output[i] is { } use) input[i] = Use.Merge(input[i], use);
        }
    }

    /// <summary>Marks what evaluating <paramref name="expr"/> reads: whole values, except fields reached by path and NULL tests.</summary>
    private static void Read(BoundExpr expr, Use?[] input)
    {
        if (Path(expr) is var (column, path))
        {
            Mark(input, column, path, Use.Whole);
            return;
        }
        if (expr is UnaryExpr { Op: UnaryOp.IsNull or UnaryOp.IsNotNull } test && Path(test.Input) is var (c, p))
        {
            Mark(input, c, p, Use.ValidityOnly());
            return;
        }
        foreach (var child in expr.Children) Read(child, input);
    }

    /// <summary><c>column.f1.f2…</c> as (column, [f1, f2, …]), or null for any other expression.</summary>
    private static (int Column, List<int> Path)? Path(BoundExpr expr)
    {
        switch (expr)
        {
            case ColumnRef c:
                return (c.Index, []);
            case FieldAccess f when Path(f.Struct) is var (column, path):
                path.Add(f.FieldIndex);
                return (column, path);
            default:
                return null;
        }
    }

    private static void Mark(Use?[] input, int column, List<int> path, Use use)
    {
        if (column >= input.Length) return;
        if (path.Count == 0)
        {
            input[column] = Use.Merge(input[column], use);
            return;
        }
        var node = input[column] ??= Use.ValidityOnly();
        foreach (var field in path.Take(path.Count - 1))
        {
            if (node.IsWhole) return;
            node = node.Child(field);
        }
        if (!node.IsWhole) node.SetChild(path[^1], use);
    }

    private static void KeepInternalColumns(Schema schema, Use?[] output)
    {
        // Event time and retractions are read by the runtime and by every stateful operator.
        if (schema.TimestampIndex >= 0 && schema.TimestampIndex < output.Length) output[schema.TimestampIndex] = Use.Whole;
        if (schema.RetractIndex >= 0 && schema.RetractIndex < output.Length) output[schema.RetractIndex] = Use.Whole;
    }

    private static ColumnUsage ToUsage(Use?[] columns, HashSet<int>? rows) =>
        new(columns.Select(c => c?.ToFieldUsage()).ToArray()) { RowsWithAnyNonNull = rows };

    /// <summary>Mutable usage while the pass runs: whole, or validity plus some fields.</summary>
    private sealed class Use
    {
        public static readonly Use Whole = new(null);

        private Dictionary<int, Use>? _fields;

        private Use(Dictionary<int, Use>? fields)
        {
            _fields = fields;
        }

        public bool IsWhole => _fields is null;

        public static Use ValidityOnly() => new([]);

        public Use Child(int field)
        {
            if (!_fields!.TryGetValue(field, out var child)) _fields[field] = child = ValidityOnly();
            return child;
        }

        public void SetChild(int field, Use use) => _fields![field] = Merge(_fields.GetValueOrDefault(field), use);

        /// <summary>The union of two usages (may return or change either).</summary>
        public static Use Merge(Use? a, Use b)
        {
            if (a is null) return b.IsWhole ? Whole : b.Copy();
            if (a.IsWhole || b.IsWhole) return Whole;
            foreach (var (field, use) in b._fields!) a.SetChild(field, use);
            return a;
        }

        public FieldUsage ToFieldUsage() =>
            _fields is null ? FieldUsage.All : new FieldUsage(_fields.ToDictionary(f => f.Key, f => f.Value.ToFieldUsage()));

        private Use Copy() => new(_fields!.ToDictionary(f => f.Key, f => f.Value.IsWhole ? Whole : f.Value.Copy()));
    }
}
