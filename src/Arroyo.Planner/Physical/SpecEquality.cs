using Arroyo.Dataflow;
using Arroyo.Dataflow.Serialization;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Whether two operator specs do the same thing: their canonical JSON (<see cref="PlanJson"/>)
/// is equal. The JSON leaves out where in the SQL text an expression came from, so a subquery
/// written twice compares equal. A spec calling a volatile function (random(), now(), …)
/// equals nothing, not even itself: each use of such a call is its own evaluation.
/// The JSON's type information is asked for only at the first comparison (most plans have none).
/// </summary>
internal sealed class SpecEquality(Func<PlanJson> json)
{
    private const string VolatileMarker = "\"volatile\":true";

    /// <summary>The form compared, or null for a spec that never equals another.</summary>
    public string? Canonical(OperatorSpec spec)
    {
        var text = json().Serialize(spec);
        return text.Contains(VolatileMarker, StringComparison.Ordinal) ? null : text;
    }
}
