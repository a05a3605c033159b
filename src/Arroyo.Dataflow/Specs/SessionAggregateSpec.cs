using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// GROUP BY session(gap), keys… with aggregates.
/// <para>Input: as <see cref="TumblingAggregateSpec"/>. Rows with <c>_timestamp</c> below the
/// current watermark are dropped as late.</para>
/// <para>Per key, rows closer than <see cref="GapNanos"/> to each other form a session; a
/// session spans [first row's time, last row's time + gap) and is emitted when the watermark
/// reaches its end. A late-arriving row can merge two open sessions of a key.</para>
/// <para>Output: keys with the <c>window</c> struct {start, end} at <see cref="WindowOutputIndex"/>
/// (when set), then aggregates, then <c>_timestamp</c> = session end − 1 ns (as the reference).</para>
/// </summary>
public sealed record SessionAggregateSpec(
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    IReadOnlyList<AggregateCall> Aggregates,
    long GapNanos,
    int? WindowOutputIndex,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"session aggregate gap {WindowedAggregateLayout.Duration(GapNanos)} {WindowedAggregateLayout.Describe(Input, KeyColumns, Aggregates)}";
}
