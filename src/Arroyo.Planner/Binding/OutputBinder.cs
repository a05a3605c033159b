using Arroyo.Expressions.Bound;
using Arroyo.Planner.Logical;
using Ast = Arroyo.Sql.Ast;

namespace Arroyo.Planner.Binding;

/// <summary>
/// Binds select-list expressions (and HAVING, window PARTITION BY/ORDER BY) of one SELECT.
/// Expressions are bound against <see cref="BindScope"/> (the FROM/WHERE relation); calls
/// computed by later operators (aggregates, window functions, unnest) become
/// <see cref="Placeholder"/>s; then the aggregate rewrite and each later layer map the result
/// onto the columns of <see cref="Node"/>, the node the final projection reads.
/// </summary>
internal sealed class OutputBinder
{
    private readonly PlannerContext _context;
    private readonly Dictionary<Ast.FunctionCall, Placeholder> _calls = new(ReferenceEqualityComparer.Instance);
    private readonly List<Func<BoundExpr, BoundExpr>> _layers = [];
    private Func<BoundExpr, BoundExpr> _aggregateRewrite = e => e;

    public OutputBinder(Relation scope, PlannerContext context)
    {
        BindScope = scope;
        Node = scope.Node;
        _context = context;
    }

    public Relation BindScope { get; }

    /// <summary>The node whose columns bound expressions finally refer to.</summary>
    public PlanNode Node { get; private set; }

    /// <summary>Extra handling of calls (window calls in an aggregate's select list).</summary>
    public Func<Ast.FunctionCall, BoundExpr?>? CallHandler { get; set; }

    private int _nextSlot;

    /// <summary>Makes <paramref name="call"/> bind to a placeholder resolved by a later layer.</summary>
    public Placeholder Register(Ast.FunctionCall call, string kind, Arroyo.Core.Types.DataType type)
    {
        var placeholder = new Placeholder(kind, _nextSlot++, type, $"{kind}#{_nextSlot - 1}", call.Span);
        _calls[call] = placeholder;
        return placeholder;
    }

    public bool IsRegistered(Ast.FunctionCall call) => _calls.ContainsKey(call);

    /// <summary>Sets the rewrite from <see cref="BindScope"/> columns to the aggregate's output (keys, aggregates).</summary>
    public void SetAggregate(PlanNode node, Func<BoundExpr, BoundExpr> rewrite)
    {
        Node = node;
        _aggregateRewrite = rewrite;
    }

    /// <summary>Adds an operator after the current node; <paramref name="remap"/> maps expressions over the old node onto it.</summary>
    public void AddLayer(PlanNode node, Func<BoundExpr, BoundExpr> remap)
    {
        Node = node;
        _layers.Add(remap);
    }

    /// <summary>Binds against the scope, unmapped (for arguments of aggregates, which read the input).</summary>
    public BoundExpr BindRaw(Ast.Expr expr) => new ExprBinder(BindScope, _context, Intercept).Bind(expr);

    public BoundExpr Bind(Ast.Expr expr) => Rewrite(BindRaw(expr));

    /// <summary>
    /// Binds HAVING: a name that is no input column may name a select item's alias
    /// (<c>SELECT count(*) AS rows … HAVING rows &lt; 500</c>), which stands for that item's
    /// expression, as DataFusion resolves it. Input columns win over aliases; an alias's own
    /// expression is bound without aliases, so aliases cannot refer to each other.
    /// </summary>
    public BoundExpr BindHaving(Ast.Expr expr, IReadOnlyList<Ast.SelectItem> projection)
    {
        var aliases = new Dictionary<string, Ast.Expr>(StringComparer.Ordinal);
        foreach (var item in projection)
        {
            if (item is Ast.ExprSelectItem { Alias: { } alias } aliased) aliases.TryAdd(alias.Value, aliased.Expression);
        }
        var binder = new ExprBinder(BindScope, _context, Intercept)
        {
            Unresolved = name => aliases.TryGetValue(name.Value, out var aliased) ? BindRaw(aliased) : null,
        };
        return Rewrite(binder.Bind(expr));
    }

    public BoundExpr Rewrite(BoundExpr expr)
    {
        var result = _aggregateRewrite(expr);
        foreach (var layer in _layers) result = layer(result);
        return result;
    }

    /// <summary>Binds against the current node as it is now (before later layers are added).</summary>
    public BoundExpr BindCurrent(Ast.Expr expr)
    {
        var result = _aggregateRewrite(BindRaw(expr));
        foreach (var layer in _layers) result = layer(result);
        return result;
    }

    private BoundExpr? Intercept(Ast.FunctionCall call)
    {
        if (_calls.TryGetValue(call, out var placeholder)) return placeholder;
        return CallHandler?.Invoke(call);
    }
}
