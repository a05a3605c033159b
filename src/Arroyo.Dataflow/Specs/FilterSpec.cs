using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Dataflow.Specs;

/// <summary>Keeps the rows where <see cref="Predicate"/> is true (NULL counts as false).</summary>
public sealed record FilterSpec(BoundExpr Predicate, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() => $"filter {Predicate}";
}
