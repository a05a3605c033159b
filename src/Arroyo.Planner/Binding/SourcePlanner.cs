using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Dataflow;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Catalog;
using Arroyo.Planner.Logical;

namespace Arroyo.Planner.Binding;

/// <summary>
/// The chain after a source, as the reference's SourceRewriter: source → projection (virtual
/// fields, <c>_timestamp</c> = event-time column) → watermark. Built once per table and shared.
/// </summary>
internal static class SourcePlanner
{
    public static PlanNode Build(DeclaredTable table, PlannerContext context)
    {
        if (table.SourceNode is not null) return table.SourceNode;

        // The connector reads its physical fields, then the metadata columns it fills in.
        var sourceFields = new List<Field>(table.Bound.Fields);
        sourceFields.AddRange(table.Columns.Where(c => c.MetadataKey is not null && !sourceFields.Any(f => f.Name == c.Name)).Select(c => c.ToField()));
        if (table.IsUpdating) sourceFields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, false));
        sourceFields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var sourceSchema = new Schema(sourceFields);
        var source = new PlanNode(ConnectorRules.CreateSource(table, sourceSchema), [], sourceSchema);

        var node = source;
        var hasVirtual = table.Columns.Any(c => c.IsVirtual) ||
                         !table.Columns.Select(c => c.Name).SequenceEqual(sourceFields.Take(table.Columns.Count).Select(f => f.Name));
        var eventTime = table.Watermark?.Column.Value ?? table.EventTimeField;
        if (hasVirtual || eventTime is not null)
        {
            // Virtual fields are computed from the physical ones, in declaration order.
            var scope = Relation.Of(source, table.Name);
            var binder = new ExprBinder(scope, context);
            var columns = new List<(BoundExpr, string)>();
            foreach (var column in table.Columns)
            {
                if (column.GeneratedAs is null)
                {
                    columns.Add((Nodes.Ref(sourceSchema, sourceSchema.IndexOf(column.Name)), column.Name));
                    continue;
                }
                var expr = binder.Bind(column.GeneratedAs);
                columns.Add((Coercion.BindCast(expr, column.Type, false, column.GeneratedAs.Span), column.Name));
            }
            BoundExpr? timestamp = null;
            if (eventTime is not null)
            {
                var index = columns.FindIndex(c => string.Equals(c.Item2, eventTime, StringComparison.OrdinalIgnoreCase));
                var span = table.Watermark?.Column.Span ?? EventTimeOptionSpan(table);
                if (index < 0)
                {
                    throw new UserException(
                        $"event time field '{eventTime}' is not a column of table {table.Name}.{Suggestions.DidYouMean(eventTime, columns.Select(c => c.Item2))}".TrimEnd('.'),
                        span);
                }
                // As the reference, event time is read from a TIMESTAMP column as it is: no cast
                // (a number or text would otherwise become a time in some unit nobody chose).
                var type = columns[index].Item1.Type;
                if (type.Kind != TypeKind.Timestamp)
                {
                    throw new UserException(
                        $"event time field '{columns[index].Item2}' of table {table.Name} has type {type}, but event time must be a TIMESTAMP",
                        span,
                        hint: "declare the column as TIMESTAMP, or add a virtual column (e.g. ts TIMESTAMP GENERATED ALWAYS AS (to_timestamp_millis(col)) STORED) and name it instead");
                }
                timestamp = columns[index].Item1;
            }
            node = Nodes.Project(source, columns, timestamp);
        }

        var watermark = new PlanNode(
            new WatermarkSpec(WatermarkExpression(table, node, context, eventTime is not null), table.IdleTimeout, node.Schema),
            [new PlanEdge(node, EdgeKind.Forward)], node.Schema);
        table.SourceNode = watermark;
        return watermark;
    }

    /// <summary>Where <c>event_time_field</c> is written (its value), else the table.</summary>
    private static Arroyo.Core.Errors.SourceSpan EventTimeOptionSpan(DeclaredTable table) =>
        table.OptionNodes.TryGetValue("event_time_field", out var option) && option.Value.Span.IsKnown ? option.Value.Span : table.Span;

    private static BoundExpr? WatermarkExpression(DeclaredTable table, PlanNode node, PlannerContext context, bool hasEventTime)
    {
        var scope = Relation.Of(node, table.Name);
        var timestamp = Nodes.Ref(node.Schema, node.Schema.TimestampIndex);
        if (table.Watermark is { } w)
        {
            if (w.Expression is null) return timestamp;
            var expr = new ExprBinder(scope, context).Bind(w.Expression);
            if (expr.Type.Kind != TypeKind.Timestamp)
            {
                throw new UserException($"the watermark expression must be a TIMESTAMP, but it is {expr.Type}", w.Expression.Span);
            }
            return expr;
        }
        if (table.WatermarkField is { } field)
        {
            var column = scope.Columns.FirstOrDefault(c => string.Equals(c.Name, field, StringComparison.OrdinalIgnoreCase))
                         ?? throw new UserException($"watermark field '{field}' is not a column of table {table.Name}", table.Span);
            return Coercion.BindCast(new ColumnRef(column.Index, column.Name, column.Type), DataType.Timestamp, false);
        }
        if (!hasEventTime) return null;
        // As the reference: an event-time field without a watermark trails it by one second.
        return Coercion.BindBinary(BinaryOp.Subtract, timestamp, Literal.Of(IntervalValue.FromNanoseconds(1_000_000_000)));
    }
}
