using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// GROUP BY hop(slide, width), keys… with aggregates. <see cref="WidthNanos"/> is a multiple of
/// <see cref="SlideNanos"/> (the planner checks; equal values are planned as tumbling).
/// <para>Input: as <see cref="TumblingAggregateSpec"/>.</para>
/// <para>A row at t belongs to every window [s, s + width) with s a multiple of slide and
/// s ≤ t &lt; s + width. Window [s, s+width) is emitted when the watermark reaches s + width;
/// only windows that received at least one row for a key produce that key's row.
/// Rows in slides that no open window still covers are dropped as late.</para>
/// <para>Output: as <see cref="TumblingAggregateSpec"/>: keys with the optional <c>window</c>
/// struct at <see cref="WindowOutputIndex"/>, aggregates, <c>_timestamp</c> = window end − 1 ns.</para>
/// </summary>
public sealed record SlidingAggregateSpec(
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    IReadOnlyList<AggregateCall> Aggregates,
    long WidthNanos,
    long SlideNanos,
    int? WindowOutputIndex,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"sliding aggregate {WindowedAggregateLayout.Duration(WidthNanos)} every {WindowedAggregateLayout.Duration(SlideNanos)} " +
        WindowedAggregateLayout.Describe(Input, KeyColumns, Aggregates);
}
