using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// Computes one output column per expression over the input batch. The output schema
/// includes <c>_timestamp</c> (usually a reference to the input's, or the event-time
/// expression right after a source), and <c>_is_retract</c> for updating streams.
/// </summary>
public sealed record ProjectionSpec(IReadOnlyList<BoundExpr> Expressions, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        "projection " + string.Join(", ", Expressions.Select((e, i) => $"{e} AS {Output[i].Name}").Where(s => !s.Contains("_timestamp AS _timestamp")));
}
