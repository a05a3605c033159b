using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Dataflow.Specs;

/// <summary>Keeps the rows where <see cref="Predicate"/> is true (NULL counts as false).</summary>
public sealed record FilterSpec(BoundExpr Predicate, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    /// <summary>
    /// What the operators after this filter read of its output, when the planner could prove
    /// it (null: everything). The filter copies only that and leaves placeholders for the rest.
    /// </summary>
    public ColumnUsage? OutputUsage { get; init; }

    public override ColumnUsage? UsageOfOutput() => OutputUsage;

    public override string Describe() => $"filter {Predicate}";
}
