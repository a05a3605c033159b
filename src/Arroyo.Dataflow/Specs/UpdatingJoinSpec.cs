using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// A non-windowed equi-join (the reference's join with expiration): each side's rows are kept
/// for <see cref="Ttl"/> of event time (against the watermark); every arriving row is joined
/// with the stored rows of the other side at once.
/// <para>Inputs: OnBatch input 0 = <see cref="LeftInput"/>, 1 = <see cref="RightInput"/>; either may
/// be updating (<c>_is_retract</c>): a retraction removes one equal stored row and retracts the
/// join results it produced. Shuffle edges use <see cref="LeftKeys"/> / <see cref="RightKeys"/>.</para>
/// <para>Only <see cref="JoinKind.Inner"/> is accepted by the reference (others fail planning with
/// "can't handle non-inner joins without windows").</para>
/// <para>Output: left user fields, right user fields, <c>_is_retract</c> (true when either joined
/// row is a retraction), <c>_timestamp</c> = max(left, right) <c>_timestamp</c>.</para>
/// </summary>
public sealed record UpdatingJoinSpec(
    JoinKind Kind,
    Schema LeftInput,
    Schema RightInput,
    IReadOnlyList<int> LeftKeys,
    IReadOnlyList<int> RightKeys,
    TimeSpan Ttl,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"updating {Kind.ToString().ToLowerInvariant()} join on " +
        WindowedAggregateLayout.JoinKeys(LeftInput, LeftKeys, RightInput, RightKeys) + $" ttl {Ttl}";
}
