using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Logical;

/// <summary>
/// Whether a node's rows may be retractions: planner-internal, unlike "updating"
/// (<see cref="PlanNode.IsUpdating"/>: the stream has <c>_is_retract</c>), which decides what
/// users see, such as the sink formats allowed. An inner join of two append-only inputs is
/// updating but never retracts anything: it retracts a joined row only when one of its input
/// rows is a retraction, and TTL expiry drops stored rows without output (as the reference's
/// join with expiration). An aggregate above such a stream can keep append-only accumulators
/// (a running max, not a multiset of every value) and no row count per key.
/// Conservative: a node it does not know retracts whenever it is updating.
/// </summary>
internal static class Retractions
{
    public static bool MayRetract(PlanNode node)
    {
        if (!node.IsUpdating) return false;
        return node.Spec switch
        {
            UpdatingJoinSpec join => join.Kind != JoinKind.Inner || node.Inputs.Any(i => MayRetract(i.From)),
            FilterSpec => MayRetract(node.Inputs[0].From),
            // Only a projection passing its input's _is_retract on unchanged.
            ProjectionSpec projection => projection.Expressions[node.Schema.RetractIndex] is ColumnRef c
                                         && node.Inputs[0].From.Schema.RetractIndex == c.Index
                                         && MayRetract(node.Inputs[0].From),
            _ => true,
        };
    }
}
