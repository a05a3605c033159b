using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// GROUP BY tumble(width), keys… with aggregates.
/// <para>Input: <see cref="Input"/> (append-only; <c>_timestamp</c> last). The shuffle edge into
/// this node uses <see cref="KeyColumns"/> (or is a forward/single-subtask edge when there are no keys).</para>
/// <para>A row belongs to window [t - t mod width, that + width). A window is emitted when the
/// watermark reaches its end (watermark ≥ end), all its keys in one batch, and its state is dropped.
/// Rows whose window has already been emitted are dropped (counted, logged at checkpoints).</para>
/// <para>Output: the key columns (in <see cref="KeyColumns"/> order) with, when
/// <see cref="WindowOutputIndex"/> is set, the <c>window</c> struct {start TIMESTAMP, end TIMESTAMP}
/// inserted at that index; then one column per aggregate; then <c>_timestamp</c> = window end − 1 ns
/// (as the reference, so downstream instant operators group by it).</para>
/// </summary>
public sealed record TumblingAggregateSpec(
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    IReadOnlyList<AggregateCall> Aggregates,
    long WidthNanos,
    int? WindowOutputIndex,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"tumbling aggregate {WindowedAggregateLayout.Duration(WidthNanos)} {WindowedAggregateLayout.Describe(Input, KeyColumns, Aggregates)}";
}
