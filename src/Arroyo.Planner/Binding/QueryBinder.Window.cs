using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// <c>f(…) OVER (…)</c> over windowed input: a projection adds computed partition/order/argument
    /// columns, the window function operator appends one column per call.
    /// </summary>
    private OutputBinder BindWindowFunctions(OutputBinder output, List<Ast.FunctionCall> calls)
    {
        var input = output.Node;
        var over = calls[0].Over!;
        if (over.WindowName is not null)
        {
            throw new UserException("This feature is not implemented: named windows", over.Span);
        }
        foreach (var other in calls.Skip(1))
        {
            if (_context.Text(other.Over!.Span) != _context.Text(over.Span))
            {
                throw new UserException("This feature is not implemented: window functions with different OVER clauses in one SELECT", other.Span);
            }
        }
        var user = Nodes.UserColumns(input);
        var extras = new List<(BoundExpr Expr, string Name)>();
        int ColumnOf(BoundExpr expr)
        {
            if (expr is ColumnRef c && c.Index < user.Count) return c.Index;
            var key = Nodes.Key(expr);
            for (var i = 0; i < extras.Count; i++) if (Nodes.Key(extras[i].Expr) == key) return user.Count + i;
            extras.Add((expr, $"_window_key_{extras.Count}"));
            return user.Count + extras.Count - 1;
        }
        var partition = new List<int>();
        foreach (var p in over.PartitionBy)
        {
            var bound = ResolveOrdinal(p, output);
            // Rows of one window share a _timestamp, which the operator groups by already.
            if (bound is ColumnRef c && input.WindowFields.Contains(c.Index)) continue;
            if (bound is FieldAccess { Struct: ColumnRef s } && input.WindowFields.Contains(s.Index)) continue;
            partition.Add(ColumnOf(bound));
        }
        var order = over.OrderBy
            .Select(o => new SortColumn(ColumnOf(ResolveOrdinal(o.Expression, output)), o.Ascending == false, o.NullsFirst))
            .ToArray();
        var windows = _context.Functions.Windows;
        if (input.Window is null)
        {
            // Beyond the reference: ranking functions over input that is not windowed are a streaming top-N.
            var notRanking = calls.FirstOrDefault(c => !windows.IsPositional(c.Name.Last.Value));
            if (notRanking is null && calls.FirstOrDefault(c => c.IgnoreNulls == true) is { } ignoring) throw IgnoreNullsNotSupported(ignoring);
            if (notRanking is not null)
            {
                throw new UserException(
                    "Error during planning: Window functions require already windowed input (over input that is not windowed only row_number, rank and dense_rank are supported, as a top-N)",
                    notRanking.Span);
            }
            var functions = calls.Select(c => windows.Bind(c.Name.Last.Value, c.Arguments.Select(a => output.Bind(a).Type).ToArray(), c.Span)).ToArray();
            return BindUpdatingTopN(output, calls, functions, user, extras, partition, order);
        }
        if (input.Window.Kind == WindowKind.Session)
        {
            throw new UserException("Error during planning: Window functions do not support session windows", calls[0].Span);
        }
        var windowCalls = calls.Select(c => BindWindowCall(c, output, ColumnOf)).ToArray();

        var projected = Nodes.Project(input, user.Concat(extras).ToArray());
        var width = user.Count + extras.Count;
        var fields = projected.Schema.Fields.Take(width).ToList();
        var placeholders = calls.Select((c, i) => output.Register(c, "wf", windowCalls[i].ResultType)).ToArray();
        // Ranking, distribution, ntile and count are never NULL; value functions and other aggregates can be.
        for (var i = 0; i < calls.Count; i++)
        {
            var call = windowCalls[i];
            var nullable = call.IsAggregate ? call.Function.Name != "count" : call.Args.Count > 0;
            fields.Add(new Field($"__window_fn_{i}", call.ResultType, nullable));
        }
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);
        var node = new PlanNode(
            new WindowFunctionSpec(projected.Schema, partition, order, windowCalls, schema),
            [new PlanEdge(projected, EdgeKind.Shuffle, partition)], schema)
        {
            Window = input.Window,
            WindowFields = input.WindowFields,
        };
        var slotColumns = placeholders.Select((p, i) => (p.Slot, width + i)).ToDictionary(p => p.Slot, p => p.Item2);
        var oldTimestamp = input.Schema.TimestampIndex;
        output.AddLayer(node, e => Remap(e, schema, oldTimestamp, "wf", slotColumns));
        return output;
    }

    /// <summary>
    /// Ranking functions over input that is not windowed (beyond the reference, which refuses them
    /// with "Window functions require already windowed input"): the updating top-N operator. A
    /// <c>WHERE rn &lt;= N</c> above it is pushed into it later (<see cref="TopNLimit"/>).
    /// </summary>
    private OutputBinder BindUpdatingTopN(OutputBinder output, List<Ast.FunctionCall> calls, FunctionRef[] functions,
        List<(BoundExpr Expr, string Name)> user, List<(BoundExpr Expr, string Name)> extras, List<int> partition, SortColumn[] order)
    {
        var input = output.Node;
        var projected = Nodes.Project(input, user.Concat(extras).ToArray());
        var width = user.Count + extras.Count;
        var fields = projected.Schema.Fields.Take(width).ToList();
        var placeholders = calls.Select((c, i) => output.Register(c, "wf", functions[i].Returns)).ToArray();
        for (var i = 0; i < calls.Count; i++) fields.Add(new Field($"__window_fn_{i}", functions[i].Returns, false));
        fields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, false));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);
        var node = new PlanNode(
            new UpdatingTopNSpec(projected.Schema, partition, order, functions, 0, null, schema),
            [new PlanEdge(projected, EdgeKind.Shuffle, partition)], schema);
        _context.UnlimitedTopN[node] = calls[0].Span;
        var slotColumns = placeholders.Select((p, i) => (p.Slot, width + i)).ToDictionary(p => p.Slot, p => p.Item2);
        var oldTimestamp = input.Schema.TimestampIndex;
        output.AddLayer(node, e => Remap(e, schema, oldTimestamp, "wf", slotColumns, input.Schema.RetractIndex));
        return output;
    }

    /// <summary>
    /// <c>unnest(array)</c> in the select list: a projection adds the array as a column, the
    /// unnest operator replaces it by its elements.
    /// </summary>
    private OutputBinder BindUnnest(OutputBinder output, List<Ast.FunctionCall> calls)
    {
        if (calls.Count > 1)
        {
            throw new UserException("This feature is not implemented: more than one unnest in a SELECT", calls[1].Span);
        }
        var call = calls[0];
        if (call.Arguments.Count != 1) throw new UserException("unnest takes exactly one argument", call.Span);
        var input = output.Node;
        var array = output.Bind(call.Arguments[0]);
        if (array.Type.Kind != TypeKind.List)
        {
            throw new UserException($"Error during planning: unnest needs an array, but the argument is {array.Type}", call.Arguments[0].Span);
        }
        var user = Nodes.UserColumns(input);
        var projected = Nodes.Project(input, user.Append((array, "__unnest")).ToArray());
        var column = user.Count;
        var fields = projected.Schema.Fields.ToList();
        fields[column] = new Field("__unnest", array.Type.Element!, true);
        var schema = new Schema(fields);
        var node = new PlanNode(new UnnestSpec(projected.Schema, column, schema), [new PlanEdge(projected, EdgeKind.Forward)], schema)
        {
            Window = input.Window,
            WindowFields = input.WindowFields,
        };
        var placeholder = output.Register(call, "unnest", array.Type.Element!);
        var oldTimestamp = input.Schema.TimestampIndex;
        var oldRetract = input.Schema.RetractIndex;
        output.AddLayer(node, e => Remap(e, schema, oldTimestamp, "unnest", new Dictionary<int, int> { [placeholder.Slot] = column }, oldRetract));
        return output;
    }

    /// <summary>PARTITION BY / ORDER BY items may be select-list ordinals in DataFusion only for ORDER BY; plain binding otherwise.</summary>
    private static BoundExpr ResolveOrdinal(Ast.Expr expr, OutputBinder output) => output.Bind(expr);

    /// <summary>Moves references to <c>_timestamp</c>/<c>_is_retract</c> to their new places and resolves the layer's placeholders.</summary>
    private static BoundExpr Remap(BoundExpr expr, Schema schema, int oldTimestamp, string kind, Dictionary<int, int> slots, int oldRetract = -1) =>
        expr.Transform(e => e switch
        {
            Placeholder p when p.Kind == kind && slots.TryGetValue(p.Slot, out var column) => Nodes.Ref(schema, column) with { Span = p.Span },
            ColumnRef c when c.Index == oldTimestamp => Nodes.Ref(schema, schema.TimestampIndex),
            ColumnRef c when oldRetract >= 0 && c.Index == oldRetract => Nodes.Ref(schema, schema.RetractIndex),
            _ => e,
        });
}
