using Arroyo.Core.Errors;
using Arroyo.Expressions;
using Arroyo.Planner.Catalog;

namespace Arroyo.Planner;

/// <summary>State shared while one script is planned: the SQL text, the catalog and settings.</summary>
internal sealed class PlannerContext
{
    public PlannerContext(string sql, PlanOptions options)
    {
        Sql = sql;
        Options = options;
        Functions = options.Functions;
    }

    public string Sql { get; }

    public PlanOptions Options { get; }

    /// <summary>The registries calls are bound through (built-ins and user functions).</summary>
    public FunctionLibrary Functions { get; }

    public Dictionary<string, CatalogEntry> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Tables from <see cref="PlanOptions.Prelude"/> that the script may still redefine.</summary>
    public HashSet<string> Predefined { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>SET updating_ttl</c>; the reference's default is one day.</summary>
    public TimeSpan UpdatingTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Updating top-N nodes as bound, before a WHERE on their ranking column gave them a limit,
    /// with the span of the window call: one still reachable from a sink had no such filter.
    /// </summary>
    public Dictionary<Logical.PlanNode, SourceSpan> UnlimitedTopN { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The plan's JSON form (its type information is costly to build: once per planning, on first use).</summary>
    public Arroyo.Dataflow.Serialization.PlanJson Json => _json ??= Options.Connectors.CreatePlanJson();

    private Arroyo.Dataflow.Serialization.PlanJson? _json;

    /// <summary>Compares specs for shared subplans (<see cref="Physical.SpecEquality"/>): while binding, and in the graph builder.</summary>
    public Physical.SpecEquality Equality => _equality ??= new Physical.SpecEquality(() => Json);

    private Physical.SpecEquality? _equality;

    /// <summary>
    /// Whether two plan nodes compute the same rows: the same node, or equal specs (never a
    /// volatile one) over pairwise same inputs by the same edges, as the graph builder merges
    /// them. Nodes without inputs (sources) only as the same node.
    /// </summary>
    public bool SamePlan(Logical.PlanNode a, Logical.PlanNode b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Inputs.Count == 0 || a.Inputs.Count != b.Inputs.Count || a.Spec.GetType() != b.Spec.GetType()) return false;
        for (var i = 0; i < a.Inputs.Count; i++)
        {
            var (x, y) = (a.Inputs[i], b.Inputs[i]);
            if (x.Kind != y.Kind || x.TargetInput != y.TargetInput || !(x.Keys ?? []).SequenceEqual(y.Keys ?? []) || !SamePlan(x.From, y.From)) return false;
        }
        return Equality.Canonical(a.Spec) is { } canonical && canonical == Equality.Canonical(b.Spec);
    }

    /// <summary>The SQL text under <paramref name="span"/> (for naming unaliased select items).</summary>
    public string Text(SourceSpan span)
    {
        if (!span.IsKnown || span.Start < 0 || span.End > Sql.Length || span.End <= span.Start) return "";
        return Arroyo.Core.Text.Whitespace.CollapseRuns(Sql[span.Start..span.End]);
    }
}
