using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Catalog;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>
/// Binds queries to plan nodes, applying the streaming rules of the reference as it goes
/// (windows, updating results, join forms). One instance per statement.
/// </summary>
internal sealed partial class QueryBinder
{
    private readonly PlannerContext _context;
    private readonly List<Dictionary<string, Relation>> _ctes = [];

    public QueryBinder(PlannerContext context)
    {
        _context = context;
    }

    public Relation BindQuery(Ast.Query query)
    {
        if (query.OrderBy.Count > 0)
        {
            throw new UserException("Error during planning: ORDER BY is not currently supported", query.OrderBy[0].Span);
        }
        if (query.Limit is not null || query.Offset is not null)
        {
            throw new UserException("Error during planning: LIMIT is not currently supported", (query.Limit ?? query.Offset)!.Span);
        }
        if (query.With.Count == 0) return BindBody(query.Body);
        var scope = new Dictionary<string, Relation>(StringComparer.OrdinalIgnoreCase);
        _ctes.Add(scope);
        try
        {
            foreach (var cte in query.With)
            {
                var bound = Rename(BindQuery(cte.Query), cte.Columns, cte.Span);
                scope[cte.Name.Value] = bound;
            }
            return BindBody(query.Body);
        }
        finally
        {
            _ctes.RemoveAt(_ctes.Count - 1);
        }
    }

    private Relation BindBody(Ast.QueryBody body) => body switch
    {
        Ast.Select select => BindSelect(select),
        Ast.NestedQueryBody nested => BindQuery(nested.Query),
        Ast.SetOperation set => BindSetOperation(set),
        _ => throw new UserException("This feature is not implemented: VALUES", body.Span),
    };

    /// <summary>The relation with its user columns renamed (view / CTE / alias column lists).</summary>
    private static Relation Rename(Relation relation, IReadOnlyList<Ast.Identifier> names, SourceSpan span)
    {
        if (names.Count == 0) return relation;
        var visible = relation.Columns.Where(c => !c.Hidden).ToList();
        if (visible.Count != names.Count)
        {
            throw new UserException($"Error during planning: {names.Count} column names given for a query with {visible.Count} columns", span);
        }
        var map = visible.Select((c, i) => (c, names[i].Value)).ToDictionary(p => p.c, p => p.Value);
        return new Relation(relation.Node, relation.Columns.Select(c => map.TryGetValue(c, out var n) ? c with { Name = n } : c).ToArray());
    }

    // ------------------------------------------------------------------ FROM

    private Relation BindFrom(Ast.TableRef from, Ast.Expr? where) => BindFrom(from, where, out _);

    /// <summary>
    /// <paramref name="appliedWhere"/>: the conjuncts of <paramref name="where"/> that the relation
    /// already applied to every row it returns (an inner join's one-sided conjuncts, applied below
    /// it), by reference; the caller's WHERE need not test them again.
    /// </summary>
    private Relation BindFrom(Ast.TableRef from, Ast.Expr? where, out IReadOnlySet<Ast.Expr> appliedWhere)
    {
        appliedWhere = NoConjuncts;
        switch (from)
        {
            case Ast.NamedTableRef named:
            {
                var relation = BindNamed(named.Name);
                var alias = named.Alias?.Name.Value ?? named.Name.Last.Value;
                return Rename(relation.Requalify(alias), named.Alias?.Columns ?? [], named.Span);
            }
            case Ast.DerivedTableRef derived:
            {
                var relation = BindQuery(derived.Subquery).Requalify(derived.Alias?.Name.Value);
                return Rename(relation, derived.Alias?.Columns ?? [], derived.Span);
            }
            case Ast.JoinTableRef join:
                return BindJoin(join, where, out appliedWhere);
            default:
                throw new UserException("This feature is not implemented: table functions in FROM", from.Span);
        }
    }

    private Relation BindNamed(Ast.ObjectName name)
    {
        var key = name.Last.Value;
        for (var i = _ctes.Count - 1; i >= 0; i--)
        {
            if (_ctes[i].TryGetValue(key, out var cte)) return cte;
        }
        if (!_context.Tables.TryGetValue(key, out var entry))
        {
            var candidates = _context.Tables.Keys.Concat(_ctes.SelectMany(c => c.Keys));
            throw new UserException(
                $"Error during planning: table '{name.Last.Original}' not found.{Suggestions.DidYouMean(key, candidates)}".TrimEnd('.'),
                name.Span);
        }
        if (entry is DeclaredTable declared) ConnectorRules.Use(declared, TableRole.Source, name.Span);
        switch (entry)
        {
            case DeclaredTable { Role: TableRole.Sink } sink:
                throw new UserException($"attempted to read from table '{sink.Name}', but it is a sink", name.Span);
            case DeclaredTable { Role: TableRole.Lookup } lookup:
                return new Relation(LookupPlaceholder(lookup), LookupColumns(lookup));
            case DeclaredTable table:
                return Relation.Of(SourcePlanner.Build(table, _context), table.Name);
            case MemoryTable memory:
                if (memory.Writer is null)
                {
                    throw new UserException(
                        $"Error during planning: Can't query from memory table {memory.Name} without first inserting into it.", name.Span);
                }
                return Relation.Of(memory.Writer, memory.Name);
            case ViewEntry view:
                if (view.Bound is null)
                {
                    // A view is bound in the catalog's scope only, never seeing the CTEs of the query using it.
                    var saved = _ctes.ToList();
                    _ctes.Clear();
                    try
                    {
                        view.Bound = Rename(BindQuery(view.Query), view.Columns, view.Span);
                    }
                    finally
                    {
                        _ctes.AddRange(saved);
                    }
                }
                return view.Bound;
            default:
                throw new UserException($"'{key}' cannot be read", name.Span);
        }
    }

    // ------------------------------------------------------------------ SELECT

    private Relation BindSelect(Ast.Select select)
    {
        if (select.From.Count == 0)
        {
            throw new UserException("This feature is not implemented: SELECT without FROM", select.Span);
        }
        if (select.From.Count > 1)
        {
            throw new UserException("Error during planning: CROSS JOIN is not currently supported", select.From[1].Span);
        }
        if (select.Distinct && (select.GroupBy.Count > 0 || select.Having is not null))
        {
            throw new UserException("This feature is not implemented: SELECT DISTINCT with GROUP BY", select.Span);
        }
        var input = BindFrom(select.From[0], select.Where, out var appliedWhere);
        if (select.Where is not null)
        {
            var binder = new ExprBinder(input, _context);
            // The whole WHERE is bound first, so that its errors are the same whatever was applied below.
            BoundExpr? predicate = Coercion.RequireBoolean(binder.Bind(select.Where), "WHERE", select.Where.Span);
            if (appliedWhere.Count > 0)
            {
                // An inner join's one-sided conjuncts were applied to its inputs, so every row it
                // emits passes them: testing them again would only read every joined row's columns.
                predicate = Conjuncts(select.Where).Where(c => !appliedWhere.Contains(c))
                    .Select(c => Coercion.RequireBoolean(binder.Bind(c), "WHERE", c.Span))
                    .Aggregate((BoundExpr?)null, (all, next) => all is null ? next : Coercion.BindBinary(BinaryOp.And, all, next));
            }
            if (predicate is not null) input = new Relation(Nodes.Filter(input.Node, predicate), input.Columns);
        }

        var items = ExpandItems(select.Projection, input);
        var aggregateCalls = new List<Ast.FunctionCall>();
        foreach (var item in items) CollectAggregates(item.Expr, aggregateCalls);
        if (select.Having is not null) CollectAggregates(select.Having, aggregateCalls);

        if (select.Distinct)
        {
            // As DataFusion's ReplaceDistinctWithAggregate: SELECT DISTINCT a, b is GROUP BY a, b (an
            // updating aggregate without aggregate functions).
            if (aggregateCalls.Count > 0 || items.Any(i => AstWalker.Calls(i.Expr).Any(c => c.Over is not null)))
            {
                throw new UserException("This feature is not implemented: SELECT DISTINCT with aggregates or window functions", select.Span);
            }
            select = select with { GroupBy = items.Select(i => i.Expr).ToList() };
        }

        OutputBinder output;
        if (select.GroupBy.Count > 0 || aggregateCalls.Count > 0)
        {
            output = BindAggregate(input, select, items, aggregateCalls);
        }
        else
        {
            if (select.Having is not null) throw new UserException("HAVING needs GROUP BY or an aggregate", select.Having.Span);
            output = new OutputBinder(input, _context);
        }
        return Finish(output, items);
    }

    /// <summary>A select item after <c>*</c> expansion: the expression and its output name.</summary>
    private sealed record Item(Ast.Expr Expr, string Name, BoundExpr? Prebound = null);

    private List<Item> ExpandItems(IReadOnlyList<Ast.SelectItem> projection, Relation input)
    {
        var items = new List<Item>();
        foreach (var item in projection)
        {
            switch (item)
            {
                case Ast.WildcardSelectItem w:
                {
                    var qualifier = w.Qualifier?.Last.Value;
                    var columns = input.Columns.Where(c => !c.Hidden && (qualifier is null || string.Equals(c.Qualifier, qualifier, StringComparison.OrdinalIgnoreCase))).ToList();
                    if (qualifier is not null && columns.Count == 0)
                    {
                        throw new UserException($"Error during planning: no table named '{qualifier}' in FROM", w.Span);
                    }
                    foreach (var c in columns)
                    {
                        var parts = c.Qualifier is null
                            ? new Ast.IdentifierExpr(new Ast.Identifier(c.Name, c.Name, true, w.Span), w.Span) as Ast.Expr
                            : new Ast.CompoundIdentifierExpr(
                                [new Ast.Identifier(c.Qualifier, c.Qualifier, true, w.Span), new Ast.Identifier(c.Name, c.Name, true, w.Span)], w.Span);
                        items.Add(new Item(parts, c.Name, new ColumnRef(c.Index, c.Name, c.Type, true, w.Span)));
                    }
                    break;
                }
                case Ast.ExprSelectItem e:
                    items.Add(new Item(e.Expression, e.Alias?.Value ?? DefaultName(e.Expression)));
                    break;
            }
        }
        return items;
    }

    /// <summary>The output name of an unaliased select expression (DataFusion-like).</summary>
    private string DefaultName(Ast.Expr expr) => expr switch
    {
        Ast.IdentifierExpr id => id.Name.Value,
        Ast.CompoundIdentifierExpr c => c.Parts[^1].Value,
        Ast.FieldAccessExpr f => f.Field.Value,
        Ast.FunctionCall { Arguments: [Ast.WildcardExpr] } f => $"{f.Name.Last.Value}(*)",
        Ast.CastExpr c => DefaultName(c.Operand),
        _ => _context.Text(expr.Span),
    };

    private void CollectAggregates(Ast.Expr expr, List<Ast.FunctionCall> calls)
    {
        foreach (var call in AstWalker.Calls(expr))
        {
            if (call.Over is null && IsAggregateName(call.Name.Last.Value) && !calls.Contains(call)) calls.Add(call);
        }
    }

    private bool IsAggregateName(string name) =>
        _context.Functions.Aggregates.IsAggregate(name);

    /// <summary>Window functions, unnest and the final projection of a SELECT.</summary>
    private Relation Finish(OutputBinder output, List<Item> items)
    {
        var windowCalls = new List<Ast.FunctionCall>();
        var unnestCalls = new List<Ast.FunctionCall>();
        foreach (var item in items)
        {
            if (item.Prebound is not null) continue;
            foreach (var call in AstWalker.Calls(item.Expr))
            {
                if (call.Over is not null) windowCalls.Add(call);
                else if (call.Name.Last.Value == "unnest") unnestCalls.Add(call);
            }
        }
        if (windowCalls.Count > 0 && unnestCalls.Count > 0)
        {
            throw new UserException("This feature is not implemented: unnest together with window functions", unnestCalls[0].Span);
        }
        if (windowCalls.Count > 0) output = BindWindowFunctions(output, windowCalls);
        if (unnestCalls.Count > 0) output = BindUnnest(output, unnestCalls);

        var columns = new List<(BoundExpr, string)>();
        var scopeColumns = new List<ScopeColumn>();
        foreach (var item in items)
        {
            var bound = item.Prebound is { } pre ? output.Rewrite(pre) : output.Bind(item.Expr);
            scopeColumns.Add(new ScopeColumn(null, item.Name, columns.Count, bound.Type));
            columns.Add((bound, item.Name));
        }
        var node = Nodes.Project(output.Node, columns);
        var all = new List<ScopeColumn>(scopeColumns);
        for (var i = columns.Count; i < node.Schema.Count; i++) all.Add(new ScopeColumn(null, node.Schema[i].Name, i, node.Schema[i].Type, true));
        return new Relation(node, all);
    }

    // ------------------------------------------------------------------ UNION

    private Relation BindSetOperation(Ast.SetOperation set)
    {
        if (set.Operator != Ast.SetOperator.Union)
        {
            // DataFusion plans INTERSECT as a semi join and EXCEPT as an anti join on every column
            // (null-safe), then a distinct; the reference's join planner refuses both kinds of join.
            var name = set.Operator.ToString().ToUpperInvariant() + (set.All ? " ALL" : "");
            var join = set.Operator == Ast.SetOperator.Intersect ? "a semi join" : "an anti join";
            throw new UserException(
                $"This feature is not implemented: {name} is planned as {join} on all columns, which streaming queries do not support",
                set.OperatorSpan.IsKnown ? set.OperatorSpan : set.Span,
                "for INTERSECT, SELECT DISTINCT over an inner JOIN ... ON every column gives the rows both inputs have");
        }
        var inputs = new List<Relation>();
        Flatten(set, inputs);
        var union = BindUnionAll(set, inputs);
        return set.All ? union : Distinct(union, set.OperatorSpan.IsKnown ? set.OperatorSpan : set.Span);

        // A distinct union absorbs the unions below it (DataFusion's EliminateNestedUnion): the
        // rows of (a UNION b) UNION ALL c, made distinct, are those of a, b and c made distinct.
        void Flatten(Ast.QueryBody body, List<Relation> list)
        {
            if (body is Ast.SetOperation { Operator: Ast.SetOperator.Union } s && (s.All || !set.All))
            {
                Flatten(s.Left, list);
                Flatten(s.Right, list);
            }
            else list.Add(BindBody(body));
        }
    }

    /// <summary>
    /// UNION (distinct): as DataFusion's ReplaceDistinctWithAggregate, the union grouped by all its
    /// columns, which is the updating aggregate SELECT DISTINCT makes (or a per-window one over windowed input).
    /// </summary>
    private Relation Distinct(Relation union, SourceSpan span)
    {
        const string name = "union";
        var scope = new Dictionary<string, Relation>(StringComparer.OrdinalIgnoreCase) { [name] = union };
        _ctes.Add(scope);
        try
        {
            var from = new Ast.NamedTableRef(new Ast.ObjectName([new Ast.Identifier(name, name, true, span)], span), null, span);
            return BindSelect(new Ast.Select(true, [new Ast.WildcardSelectItem(null, span)], [from], null, [], null, span));
        }
        finally
        {
            _ctes.RemoveAt(_ctes.Count - 1);
        }
    }

    private static Relation BindUnionAll(Ast.SetOperation set, List<Relation> inputs)
    {
        var what = set.All ? "UNION ALL" : "UNION";
        var span = set.OperatorSpan.IsKnown ? set.OperatorSpan : set.Span;
        var first = inputs[0];
        var count = first.Node.UserFieldCount;
        if (inputs.Any(i => i.Node.UserFieldCount != count))
        {
            throw new UserException($"Error during planning: {what} inputs must have the same number of columns", span);
        }
        if (inputs.Select(i => i.Node.IsUpdating).Distinct().Count() > 1)
        {
            throw new UserException("Error during planning: can't UNION updating and non-updating inputs", span);
        }
        var types = new DataType[count];
        for (var c = 0; c < count; c++)
        {
            var column = c;
            types[c] = Coercion.CommonType(inputs.Select(i => i.Node.Schema[column].Type))
                       ?? throw new UserException($"Error during planning: {what} column {c + 1} has incompatible types", span);
        }
        var names = Nodes.UserColumns(first.Node).Select(u => u.Name).ToArray();
        var edges = new List<Logical.PlanEdge>();
        foreach (var input in inputs)
        {
            var node = input.Node;
            var user = Nodes.UserColumns(node);
            if (user.Select((u, i) => u.Expr.Type != types[i] || u.Name != names[i]).Any(b => b))
            {
                node = Nodes.Project(node, user.Select((u, i) => (Coercion.CastTo(u.Expr, types[i]), names[i])).ToArray());
            }
            edges.Add(new Logical.PlanEdge(node, Arroyo.Dataflow.EdgeKind.Forward));
        }
        // One projection node reading every input: the union is the interleaving of its inputs' batches.
        var schema = edges[0].From.Schema;
        var identity = Enumerable.Range(0, schema.Count).Select(i => (BoundExpr)Nodes.Ref(schema, i)).ToArray();
        var window = inputs.All(i => Equals(i.Node.Window, first.Node.Window)) ? first.Node.Window : null;
        // A window column every input has at the same position stays one after the union, so an
        // aggregate over it (UNION's distinct, or a GROUP BY w) can key by it.
        var windowFields = window is null
            ? new HashSet<int>()
            : edges.Select(e => (IEnumerable<int>)e.From.WindowFields).Aggregate((a, b) => a.Intersect(b)).ToHashSet();
        var union = new PlanNode(new Arroyo.Dataflow.Specs.ProjectionSpec(identity, schema), edges, schema)
        {
            Window = window,
            WindowFields = windowFields,
        };
        return Relation.Of(union, null);
    }
}
