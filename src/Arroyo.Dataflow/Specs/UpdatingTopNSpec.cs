using Arroyo.Core.Types;
using Arroyo.Expressions;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// <c>ROW_NUMBER() / RANK() / DENSE_RANK() OVER (PARTITION BY … ORDER BY …)</c> over a stream that
/// is not windowed (append-only or updating): streaming top-N with retractions. The reference
/// refuses this ("Window functions require already windowed input"); it is here so that Nexmark
/// q9, q18 and q19 run.
/// <para>Input: <see cref="Input"/>, shuffled by <see cref="PartitionColumns"/> (one subtask when
/// empty). Retraction rows (<c>_is_retract</c>) remove one equal live row.</para>
/// <para>Rows of a partition are ordered by <see cref="OrderBy"/>, ties broken by every other
/// column (so the numbering does not depend on arrival order, parallelism or restores). After each
/// input batch, every partition it touched is renumbered and the difference to what was emitted
/// before goes out: a retraction of each row whose number changed or that left, then the new rows.
/// With <see cref="Limit"/>, only rows whose value of function <see cref="LimitFunction"/> is at
/// most <see cref="Limit"/> are emitted (the planner takes it from <c>WHERE rn &lt;= N</c> above),
/// and over append-only input only those rows are kept: the ranking functions never decrease
/// as rows arrive, so a row past the limit can never come back.</para>
/// <para>Output (updating): the input's user fields, one BIGINT UNSIGNED column per entry of
/// <see cref="Functions"/>, <c>_is_retract</c>, <c>_timestamp</c> (each row's own).</para>
/// </summary>
public sealed record UpdatingTopNSpec(
    Schema Input,
    IReadOnlyList<int> PartitionColumns,
    IReadOnlyList<SortColumn> OrderBy,
    IReadOnlyList<FunctionRef> Functions,
    int LimitFunction,
    long? Limit,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"updating top-n {string.Join(", ", Functions.Select(f => f.Name))} partition by [{WindowedAggregateLayout.Columns(Input, PartitionColumns)}] " +
        $"order by [{string.Join(", ", OrderBy.Select(o => WindowedAggregateLayout.Column(Input, o.Column) + (o.Descending ? " DESC" : "")))}]" +
        (Limit is { } limit ? $" where {Functions[LimitFunction].Name} <= {limit}" : "");
}
