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

    /// <summary>The SQL text under <paramref name="span"/> (for naming unaliased select items).</summary>
    public string Text(SourceSpan span)
    {
        if (!span.IsKnown || span.Start < 0 || span.End > Sql.Length || span.End <= span.Start) return "";
        return System.Text.RegularExpressions.Regex.Replace(Sql[span.Start..span.End], @"\s+", " ");
    }
}
