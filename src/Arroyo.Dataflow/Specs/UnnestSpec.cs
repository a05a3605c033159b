using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// UNNEST of one array column: one output row per element, the other columns repeated.
/// <para>Input: <see cref="Input"/>; <see cref="Column"/> is a LIST column. Rows whose array is NULL
/// or empty produce no output (DataFusion's default).</para>
/// <para>Output: the input's columns in order with <see cref="Column"/> replaced by its element
/// type (same index, same name unless the planner renames it); <c>_timestamp</c> and
/// <c>_is_retract</c> copied from the input row.</para>
/// </summary>
public sealed record UnnestSpec(Schema Input, int Column, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() => $"unnest {WindowedAggregateLayout.Column(Input, Column)}";
}
