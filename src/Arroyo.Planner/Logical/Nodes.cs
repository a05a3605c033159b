using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Logical;

/// <summary>Builders for the stateless nodes, keeping <c>_is_retract</c> / <c>_timestamp</c> and window properties right.</summary>
internal static class Nodes
{
    /// <summary>
    /// A projection computing <paramref name="columns"/>, then the input's <c>_is_retract</c> (if
    /// updating) and <c>_timestamp</c> (or <paramref name="timestamp"/> when given).
    /// </summary>
    public static PlanNode Project(PlanNode input, IReadOnlyList<(BoundExpr Expr, string Name)> columns, BoundExpr? timestamp = null)
    {
        var exprs = new List<BoundExpr>();
        var fields = new List<Field>();
        var windowFields = new HashSet<int>();
        foreach (var (expr, name) in columns)
        {
            if (expr is ColumnRef c && input.WindowFields.Contains(c.Index)) windowFields.Add(exprs.Count);
            exprs.Add(expr);
            fields.Add(new Field(name, expr.Type, expr.Nullable));
        }
        if (input.Schema.RetractIndex >= 0)
        {
            exprs.Add(Ref(input.Schema, input.Schema.RetractIndex));
            fields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, false));
        }
        exprs.Add(timestamp ?? Ref(input.Schema, input.Schema.TimestampIndex));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);
        return new PlanNode(new ProjectionSpec(exprs, schema), [new PlanEdge(input, EdgeKind.Forward)], schema)
        {
            Window = input.Window,
            WindowFields = windowFields,
        };
    }

    /// <summary>Every user field of <paramref name="input"/> as (column, name) pairs.</summary>
    public static List<(BoundExpr Expr, string Name)> UserColumns(PlanNode input)
    {
        var list = new List<(BoundExpr, string)>();
        for (var i = 0; i < input.Schema.Count; i++)
        {
            var f = input.Schema[i];
            if (f.Name is Schema.TimestampFieldName or Schema.RetractFieldName) continue;
            list.Add((Ref(input.Schema, i), f.Name));
        }
        return list;
    }

    public static PlanNode Filter(PlanNode input, BoundExpr predicate)
    {
        input = TopNLimit.Push(input, predicate);
        return new(new FilterSpec(predicate, input.Schema), [new PlanEdge(input, EdgeKind.Forward)], input.Schema)
        {
            Window = input.Window,
            WindowFields = input.WindowFields,
        };
    }

    public static ColumnRef Ref(Schema schema, int index) =>
        new(index, schema[index].Name, schema[index].Type, schema[index].Nullable);

    /// <summary>A key that is equal for structurally equal expressions over the same input.</summary>
    public static string Key(BoundExpr expr) =>
        expr.Transform(e => e is ColumnRef c ? c with { Name = "#" + c.Index } : e) + ":" + expr.Type;
}
