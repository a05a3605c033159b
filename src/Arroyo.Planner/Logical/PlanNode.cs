using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Planner.Logical;

/// <summary>
/// One operator of the plan before node ids are assigned: its spec, its inputs (with the edge
/// kind and shuffle keys), and the streaming properties the rules check. Nodes are shared by
/// reference: a table read by two queries, a view or a memory table is one node with fan-out.
/// </summary>
internal sealed class PlanNode
{
    public PlanNode(OperatorSpec spec, IReadOnlyList<PlanEdge> inputs, Schema schema)
    {
        Spec = spec;
        Inputs = inputs;
        Schema = schema;
    }

    public OperatorSpec Spec { get; }

    public IReadOnlyList<PlanEdge> Inputs { get; }

    /// <summary>The rows this node emits (for a sink: the rows it consumes).</summary>
    public Schema Schema { get; }

    /// <summary>
    /// The window the stream was aggregated by, if any (carried through projections, filters,
    /// window functions and windowed joins, as the reference's WindowDetectingVisitor).
    /// </summary>
    public WindowType? Window { get; init; }

    /// <summary>Indices of fields holding the window struct of <see cref="Window"/>.</summary>
    public IReadOnlySet<int> WindowFields { get; init; } = new HashSet<int>();

    public bool IsUpdating => Schema.IsUpdating;

    /// <summary>Number of fields before <c>_is_retract</c> / <c>_timestamp</c>.</summary>
    public int UserFieldCount => Schema.Fields.Count(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName);
}

/// <summary>An input of a <see cref="PlanNode"/>.</summary>
internal sealed record PlanEdge(PlanNode From, EdgeKind Kind, IReadOnlyList<int>? Keys = null, int TargetInput = 0);
