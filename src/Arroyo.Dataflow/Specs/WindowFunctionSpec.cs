using Arroyo.Core.Types;
using Arroyo.Expressions;

namespace Arroyo.Dataflow.Specs;

/// <summary>One ORDER BY column of a window function.</summary>
public sealed record SortColumn(int Column, bool Descending = false, bool? NullsFirst = null)
{
    /// <summary>SQL default: NULLS FIRST for DESC, NULLS LAST for ASC (as DataFusion).</summary>
    public bool EffectiveNullsFirst => NullsFirst ?? Descending;
}

/// <summary>
/// Window functions (<c>row_number() / lag(x) / sum(x) … OVER (PARTITION BY window, keys… ORDER BY … [frame])</c>)
/// over windowed input (the reference's window function operator).
/// <para>Input: <see cref="Input"/>, append-only, the output of a window aggregate so all rows of a
/// window share one <c>_timestamp</c>. Rows are grouped by exact <c>_timestamp</c>; the window column
/// itself need not be in <see cref="PartitionColumns"/>. Shuffle edge keyed by
/// <see cref="PartitionColumns"/> (forward/single subtask when empty).</para>
/// <para>A timestamp's rows are buffered until the watermark passes it (watermark &gt; t), then split
/// by <see cref="PartitionColumns"/>, sorted by <see cref="OrderBy"/>, each call evaluated over each
/// partition, and emitted in one batch.</para>
/// <para>Output: the input's user fields unchanged, then one column per entry of
/// <see cref="Calls"/> (of its <see cref="WindowCall.ResultType"/>, DataFusion's type), then
/// <c>_timestamp</c> = t.</para>
/// </summary>
public sealed record WindowFunctionSpec(
    Schema Input,
    IReadOnlyList<int> PartitionColumns,
    IReadOnlyList<SortColumn> OrderBy,
    IReadOnlyList<WindowCall> Calls,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"window function {string.Join(", ", Calls.Select(c => c.Describe(Input)))} partition by [{WindowedAggregateLayout.Columns(Input, PartitionColumns)}] " +
        $"order by [{string.Join(", ", OrderBy.Select(o => WindowedAggregateLayout.Column(Input, o.Column) + (o.Descending ? " DESC" : "")))}]";
}
