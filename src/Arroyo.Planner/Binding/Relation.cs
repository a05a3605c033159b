using Arroyo.Core.Types;
using Arroyo.Planner.Logical;

namespace Arroyo.Planner.Binding;

/// <summary>A column visible to name resolution: which relation it belongs to and where it is in the plan node's schema.</summary>
/// <param name="Hidden">Not expanded by <c>*</c> (<c>_timestamp</c>, <c>_is_retract</c>, join keys), but still addressable by name.</param>
internal sealed record ScopeColumn(string? Qualifier, string Name, int Index, DataType Type, bool Hidden = false);

/// <summary>A bound FROM item: the plan node producing its rows and the names its columns are known by.</summary>
internal sealed class Relation
{
    public Relation(PlanNode node, IReadOnlyList<ScopeColumn> columns)
    {
        Node = node;
        Columns = columns;
    }

    public PlanNode Node { get; }

    public IReadOnlyList<ScopeColumn> Columns { get; }

    /// <summary>Scope over every field of <paramref name="node"/>, all with one qualifier.</summary>
    public static Relation Of(PlanNode node, string? qualifier)
    {
        var columns = new List<ScopeColumn>();
        for (var i = 0; i < node.Schema.Count; i++)
        {
            var f = node.Schema[i];
            var hidden = f.Name is Schema.TimestampFieldName or Schema.RetractFieldName;
            columns.Add(new ScopeColumn(qualifier, f.Name, i, f.Type, hidden));
        }
        return new Relation(node, columns);
    }

    /// <summary>The same columns under another qualifier (FROM x AS alias).</summary>
    public Relation Requalify(string? qualifier) =>
        new(Node, Columns.Select(c => c with { Qualifier = qualifier }).ToArray());
}
