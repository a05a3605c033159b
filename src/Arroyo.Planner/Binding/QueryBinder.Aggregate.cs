using System.Globalization;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// GROUP BY / aggregates, following the reference's AggregateRewriter: a window call in the
    /// keys makes a window aggregate; an input already windowed is re-aggregated per window
    /// (its window must be a key, or the same window called again); no window at all makes an
    /// updating aggregate. A projection computing keys and arguments precedes the aggregate,
    /// which is fed by a shuffle on the keys.
    /// </summary>
    private OutputBinder BindAggregate(Relation input, Ast.Select select, List<Item> items, List<Ast.FunctionCall> aggregateCalls)
    {
        var output = new OutputBinder(input, _context);
        var plain = new ExprBinder(input, _context);

        // Group expressions: ordinals and select aliases refer to select items.
        var groupAsts = new List<Ast.Expr>();
        foreach (var g in select.GroupBy)
        {
            if (g is Ast.NumberLiteral { IsInteger: true } n)
            {
                var ordinal = int.Parse(n.Text, CultureInfo.InvariantCulture);
                if (ordinal < 1 || ordinal > items.Count)
                {
                    throw new UserException($"Error during planning: GROUP BY position {ordinal} is not in the select list", n.Span);
                }
                groupAsts.Add(items[ordinal - 1].Expr);
            }
            else if (g is Ast.IdentifierExpr id && !input.Columns.Any(c => string.Equals(c.Name, id.Name.Value, StringComparison.OrdinalIgnoreCase))
                     && items.FirstOrDefault(i => i.Name == id.Name.Value) is { } aliased)
            {
                groupAsts.Add(aliased.Expr);
            }
            else groupAsts.Add(g);
        }

        // Find the window call among the keys.
        WindowType? groupWindow = null;
        var windowKey = -1;
        for (var i = 0; i < groupAsts.Count; i++)
        {
            if (WindowCalls.TryParse(groupAsts[i], plain) is not { } w) continue;
            if (groupWindow is not null)
            {
                throw new UserException("This feature is not implemented: do not support 2 window expressions in group by", groupAsts[i].Span);
            }
            groupWindow = w;
            windowKey = i;
        }

        var inputWindow = input.Node.Window;
        var keys = new List<BoundExpr>();
        var keyNames = new List<string>();
        for (var i = 0; i < groupAsts.Count; i++)
        {
            if (i == windowKey) continue;
            var key = plain.Bind(groupAsts[i]);
            keys.Add(key);
            keyNames.Add(items.FirstOrDefault(it => ReferenceEquals(it.Expr, groupAsts[i]))?.Name ?? DefaultName(groupAsts[i]));
        }

        var fromOperator = false;
        if (groupWindow is not null && inputWindow is not null)
        {
            if (groupWindow != inputWindow)
            {
                throw new UserException("This feature is not implemented: window in group by does not match input window", groupAsts[windowKey].Span);
            }
            if (input.Node.WindowFields.Count > 0)
            {
                // The input still carries its window: group by that column instead of recomputing it.
                var field = input.Node.WindowFields.Min();
                keys.Insert(windowKey, Nodes.Ref(input.Node.Schema, field));
                keyNames.Insert(windowKey, items.FirstOrDefault(it => ReferenceEquals(it.Expr, groupAsts[windowKey]))?.Name ?? "window");
            }
            else if (inputWindow.Kind == WindowKind.Session)
            {
                throw new UserException(
                    "Error during planning: can't reinvoke session window in nested aggregates. Need to pass the window struct up from the source query.",
                    groupAsts[windowKey].Span);
            }
            else fromOperator = true;
        }
        else if (groupWindow is not null)
        {
            fromOperator = true;
        }
        else if (inputWindow is not null)
        {
            if (!keys.Any(k => k is ColumnRef c && input.Node.WindowFields.Contains(c.Index)))
            {
                throw new UserException(
                    "Error during planning: must have window in aggregate. Make sure you are calling one of the windowing functions (hop, tumble, session) or using the window field of the input",
                    select.Span);
            }
        }
        var windowed = groupWindow is not null || inputWindow is not null;
        if (windowed && input.Node.IsUpdating)
        {
            throw new UserException("Error during planning: windowed aggregates over updating inputs are not supported", select.Span);
        }

        // The key projection: keys, aggregate arguments and filters, then _is_retract/_timestamp.
        var projected = new List<(BoundExpr Expr, string Name)>();
        var projectedKeys = new Dictionary<string, int>();
        int Column(BoundExpr expr, string name)
        {
            var key = Nodes.Key(expr);
            if (projectedKeys.TryGetValue(key, out var existing)) return existing;
            projected.Add((expr, name));
            projectedKeys[key] = projected.Count - 1;
            return projected.Count - 1;
        }
        for (var i = 0; i < keys.Count; i++)
        {
            projected.Add((keys[i], "_key_" + keyNames[i]));
            projectedKeys.TryAdd(Nodes.Key(keys[i]), i);
        }
        var keyCount = keys.Count;

        var aggregates = new List<AggregateCall>();
        foreach (var call in aggregateCalls)
        {
            var aggregate = BindAggregateCall(call, plain, Column, aggregates.Count);
            aggregates.Add(aggregate);
        }
        var keyProjection = Nodes.Project(input.Node, projected);
        var keyColumns = Enumerable.Range(0, keyCount).ToArray();

        // Output: group columns in GROUP BY order (window struct at its position), aggregates, [_is_retract], _timestamp.
        var fields = new List<Field>();
        var groupOutput = new Dictionary<string, int>();
        var keyIndex = 0;
        var groupCount = groupAsts.Count;
        int? windowOutput = null;
        for (var i = 0; i < groupCount; i++)
        {
            if (i == windowKey && fromOperator)
            {
                windowOutput = i;
                fields.Add(new Field(items.FirstOrDefault(it => ReferenceEquals(it.Expr, groupAsts[i]))?.Name ?? "window", WindowCalls.StructType, false));
                continue;
            }
            var k = keys[keyIndex++];
            groupOutput.TryAdd(Nodes.Key(k), i);
            fields.Add(new Field(keyNames[keyIndex - 1], k.Type, k.Nullable));
        }
        foreach (var a in aggregates) fields.Add(new Field(a.OutputName, a.ResultType, true));
        var updating = !windowed;
        if (updating) fields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, false));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var schema = new Schema(fields);

        OperatorSpec spec;
        var window = groupWindow ?? inputWindow;
        if (updating)
        {
            spec = new UpdatingAggregateSpec(keyProjection.Schema, keyColumns, aggregates, schema, _context.UpdatingTtl, FlushInterval(),
                InputRetracts: Retractions.MayRetract(keyProjection));
        }
        else if (!fromOperator)
        {
            // Re-aggregating rows of one window: they share one _timestamp, so bins of the
            // input's slide hold exactly one window each (sessions: one bin per timestamp).
            var width = window!.Kind == WindowKind.Session ? 1 : window.Slide;
            spec = new TumblingAggregateSpec(keyProjection.Schema, keyColumns, aggregates, width, null, schema);
        }
        else
        {
            spec = window!.Kind switch
            {
                WindowKind.Tumbling => new TumblingAggregateSpec(keyProjection.Schema, keyColumns, aggregates, window.Width, windowOutput, schema),
                WindowKind.Sliding => new SlidingAggregateSpec(keyProjection.Schema, keyColumns, aggregates, window.Width, window.Slide, windowOutput, schema),
                _ => new SessionAggregateSpec(keyProjection.Schema, keyColumns, aggregates, window.Width, windowOutput, schema),
            };
        }

        var windowFields = new HashSet<int>();
        if (windowOutput is { } wo) windowFields.Add(wo);
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i] is ColumnRef c && input.Node.WindowFields.Contains(c.Index) && groupOutput.TryGetValue(Nodes.Key(keys[i]), out var o)) windowFields.Add(o);
        }
        var node = new PlanNode(spec, [new PlanEdge(keyProjection, EdgeKind.Shuffle, keyColumns)], schema)
        {
            Window = updating ? null : window,
            WindowFields = windowFields,
        };

        // Select items and HAVING: aggregates and the window call become output columns.
        var slots = new Dictionary<int, int>();
        for (var a = 0; a < aggregateCalls.Count; a++)
        {
            var placeholder = output.Register(aggregateCalls[a], "agg", aggregates[a].ResultType);
            slots[placeholder.Slot] = groupCount + a;
        }
        var windowIndexForCalls = windowOutput ?? (windowKey >= 0 ? windowKey : (int?)null);
        output.CallHandler = call =>
        {
            if (!WindowCalls.IsWindowFunction(call.Name.Last.Value)) return null;
            if (windowIndexForCalls is null || WindowCalls.TryParse(call, plain) != window)
            {
                throw new UserException(
                    $"Error during planning: time window function {call.Name.Last.Value} is not allowed in this context. Are you missing a GROUP BY clause?",
                    call.Span);
            }
            return Nodes.Ref(schema, windowIndexForCalls.Value) with { Span = call.Span, Name = "window\u0001" };
        };
        var timestampKey = Nodes.Key(Nodes.Ref(input.Node.Schema, input.Node.Schema.TimestampIndex));
        output.SetAggregate(node, expr => RewriteAggregate(expr, groupOutput, slots, schema, timestampKey));

        if (select.Having is not null)
        {
            var having = Coercion.RequireBoolean(output.BindHaving(select.Having, select.Projection), "HAVING", select.Having.Span);
            var filtered = Nodes.Filter(node, having);
            output.AddLayer(filtered, e => e);
        }
        return output;
    }

    private TimeSpan? FlushInterval()
    {
        if (!_context.Options.Config.TryGetValue("pipeline.update-aggregate-flush-interval", out var text)) return null;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)) return span;
        if (ExprBinder.TryInterval(text, out var interval) && interval.IsFixed) return TimeSpan.FromTicks(interval.TotalNanoseconds / 100);
        return null;
    }

    /// <summary>Maps an expression over the aggregate's input onto its output columns.</summary>
    private static BoundExpr RewriteAggregate(BoundExpr expr, Dictionary<string, int> groupOutput, Dictionary<int, int> slots, Schema schema, string timestampKey)
    {
        // Window references produced by the call handler already point at the output.
        if (expr is ColumnRef { Name: "window\u0001" } w) return w with { Name = schema[w.Index].Name };
        if (expr is Placeholder { Kind: "agg" } p) return Nodes.Ref(schema, slots[p.Slot]) with { Span = p.Span };
        if (expr is Placeholder) return expr;
        var key = Nodes.Key(expr);
        if (groupOutput.TryGetValue(key, out var index)) return Nodes.Ref(schema, index) with { Span = expr.Span };
        if (expr is ColumnRef c)
        {
            if (key == timestampKey) return Nodes.Ref(schema, schema.TimestampIndex);
            throw new UserException(
                $"Error during planning: column '{c.Name}' must appear in the GROUP BY clause or be used in an aggregate function", c.Span);
        }
        var children = expr.Children.ToArray();
        if (children.Length == 0) return expr;
        return expr.WithChildren(children.Select(ch => RewriteAggregate(ch, groupOutput, slots, schema, timestampKey)).ToArray());
    }

    private AggregateCall BindAggregateCall(Ast.FunctionCall call, ExprBinder binder, Func<BoundExpr, string, int> column, int index)
    {
        var name = call.Name.Last.Value;
        var outputName = $"__agg{index}_{name}";
        if (call.Over is not null) throw new UserException("window functions are not aggregates", call.Span);
        if (call.IgnoreNulls == true) throw IgnoreNullsNotSupported(call);
        foreach (var nested in call.Arguments.SelectMany(AstWalker.Calls))
        {
            if (nested.Over is null && IsAggregateName(nested.Name.Last.Value))
            {
                throw new UserException("Error during planning: aggregate function calls cannot be nested", nested.Span);
            }
        }
        var filterExpr = call.Filter is null ? null : Coercion.RequireBoolean(binder.Bind(call.Filter), "FILTER", call.Filter.Span);
        var registry = _context.Functions.Aggregates;
        var canonical = registry.CanonicalName(name, call.Name.Span);
        // count(CASE WHEN p THEN x END) counts the rows where p holds and x is not null
        // (elsewhere the CASE is null, which count skips), so it is planned as
        // count(x) FILTER (WHERE p), and count(*) FILTER (WHERE p) when x is a literal that is
        // not null (q16's and q17's count(CASE WHEN price < 10000 THEN 1 END)): the projection
        // evaluates p, shared by every call with the same condition, instead of gathering a CASE
        // column per call. With DISTINCT, the DISTINCT calls over one column then also share one
        // table per group (SharedDistinctCount). Not for user aggregates, which may count nulls.
        BoundExpr[]? filteredArguments = null;
        if (canonical == "count" && registry.UserArguments(name) is null && (call.Distinct ? FilteredDistinctEnabled() : FilteredCountEnabled())
            && call.Arguments is [var only] && only is not Ast.WildcardExpr && binder.Bind(only) is CaseExpr when
            && FilteredValue(when) is var (value, condition))
        {
            filteredArguments = !call.Distinct && value is Literal { Value: not null } ? [] : [value];
            filterExpr = filterExpr is null ? condition : Coercion.BindBinary(BinaryOp.And, filterExpr, condition);
        }
        int? filter = filterExpr is null ? null : column(filterExpr, $"_filter_{index}");

        if (registry.UserArguments(name) is { } declared)
        {
            var udafArgs = call.Arguments.Select(binder.Bind).ToArray();
            if (udafArgs.Length != declared.Count)
            {
                throw new UserException($"function '{name}' takes {declared.Count} arguments but {udafArgs.Length} were given", call.Span);
            }
            var cols = udafArgs.Select((a, i) => column(Coercion.CastTo(a, declared[i]), $"_arg_{index}_{i}")).ToArray();
            return new AggregateCall(registry.Bind(name, declared, call.Span), cols, call.Distinct, filter, outputName);
        }

        var args = new List<Ast.Expr>();
        var parameters = new List<object?>();
        var argAsts = call.Arguments.Where(a => a is not Ast.WildcardExpr).ToList();
        switch (canonical)
        {
            case "approx_percentile_cont" or "approx_percentile_cont_with_weight":
            {
                if (call.WithinGroup.Count > 0)
                {
                    args.Add(call.WithinGroup[0].Expression);
                    args.AddRange(argAsts.Take(argAsts.Count - 1));
                }
                else args.AddRange(argAsts.Take(argAsts.Count - 1));
                parameters.Add(ConstantDouble(argAsts[^1], binder));
                break;
            }
            case "string_agg":
                args.Add(argAsts[0]);
                parameters.Add(argAsts.Count > 1 && binder.Bind(argAsts[1]) is Literal { Value: string d } ? d : ",");
                break;
            default:
                args.AddRange(argAsts);
                break;
        }
        var bound = filteredArguments ?? args.Select(binder.Bind).ToArray();
        var function = registry.Bind(canonical, bound.Select(b => b.Type).ToArray(), call.Span);
        var columns = bound.Select((b, i) => column(b, $"_arg_{index}_{i}")).ToArray();
        return new AggregateCall(function, columns, call.Distinct, filter, outputName)
        {
            Parameters = parameters,
            OrderBy = BindCallOrdering(call, canonical, bound, binder, column, index),
        };
    }

    /// <summary>
    /// The testing switch <c>debug.filtered-distinct = false</c> keeps <c>count(DISTINCT CASE WHEN
    /// p THEN x END)</c> a count of the CASE, as builds before the rewrite planned it (a table
    /// per call): to compare the two, and to write such a build's state dir.
    /// </summary>
    public const string FilteredDistinctConfigKey = "debug.filtered-distinct";

    /// <summary>
    /// The testing switch <c>debug.filtered-count = false</c> keeps <c>count(CASE WHEN p THEN x
    /// END)</c> (without DISTINCT) a count of the CASE, as builds before that rewrite planned it:
    /// to compare the two, and to write such a build's state dir.
    /// </summary>
    public const string FilteredCountConfigKey = "debug.filtered-count";

    private bool FilteredDistinctEnabled() => !SwitchedOff(FilteredDistinctConfigKey);

    private bool FilteredCountEnabled() => !SwitchedOff(FilteredCountConfigKey);

    private bool SwitchedOff(string key) =>
        _context.Options.Config.TryGetValue(key, out var value) && value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The value and condition of <c>CASE WHEN p THEN x END</c> (or <c>… ELSE NULL END</c>): x
    /// where p is true, null elsewhere. Null for any other CASE.
    /// </summary>
    private static (BoundExpr Value, BoundExpr Condition)? FilteredValue(CaseExpr expr) =>
        expr is { Operand: null, Branches: [var (when, then)], Else: null or Literal { Value: null } } ? (then, when) : null;

    /// <summary>
    /// <c>f(x ORDER BY y)</c>: the sort columns, for functions whose result depends on order (ignored
    /// for the others, as DataFusion does). With DISTINCT, DataFusion requires the ORDER BY
    /// expressions to be arguments; so does this.
    /// </summary>
    private static IReadOnlyList<SortColumn> BindCallOrdering(Ast.FunctionCall call, string canonical, BoundExpr[] arguments, ExprBinder binder,
        Func<BoundExpr, string, int> column, int index)
    {
        if (call.OrderBy.Count == 0 || !AggregateRegistry.IsOrderSensitive(canonical)) return [];
        var ordering = new List<SortColumn>();
        foreach (var item in call.OrderBy)
        {
            var key = binder.Bind(item.Expression);
            if (call.Distinct && !arguments.Any(a => Nodes.Key(a) == Nodes.Key(key)))
            {
                throw new UserException(
                    "Error during planning: In an aggregate with DISTINCT, ORDER BY expressions must appear in argument list", item.Span);
            }
            ordering.Add(new SortColumn(column(key, $"_order_{index}_{ordering.Count}"), item.Ascending == false, item.NullsFirst));
        }
        return ordering;
    }

    private static double ConstantDouble(Ast.Expr expr, ExprBinder binder)
    {
        var bound = binder.Bind(expr);
        if (bound is Literal { Value: not null } l) return Convert.ToDouble(l.Value, CultureInfo.InvariantCulture);
        throw new UserException("Error during planning: the percentile must be a constant", expr.Span);
    }
}
