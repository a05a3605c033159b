using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// A join of two windowed streams with the same window (the reference's instant join). Both
/// inputs are outputs of window aggregates, so all rows of one window carry the same
/// <c>_timestamp</c> (window end − 1 ns): rows are joined when their <c>_timestamp</c>s are equal
/// and their key columns are equal (NULL keys never match).
/// <para>Inputs: OnBatch input 0 = <see cref="LeftInput"/>, 1 = <see cref="RightInput"/>, both
/// append-only with <c>_timestamp</c> last; the shuffle edges use <see cref="LeftKeys"/> /
/// <see cref="RightKeys"/> (same count and compatible types, pairwise).</para>
/// <para>A timestamp's rows are joined and emitted once the watermark passes it (watermark &gt; t),
/// then dropped; outer kinds pad the unmatched side with NULLs.</para>
/// <para>Output: left user fields (all but <c>_timestamp</c>), right user fields, <c>_timestamp</c> = t.</para>
/// </summary>
public sealed record WindowedJoinSpec(
    JoinKind Kind,
    Schema LeftInput,
    Schema RightInput,
    IReadOnlyList<int> LeftKeys,
    IReadOnlyList<int> RightKeys,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"windowed {Kind.ToString().ToLowerInvariant()} join on " +
        WindowedAggregateLayout.JoinKeys(LeftInput, LeftKeys, RightInput, RightKeys);
}
