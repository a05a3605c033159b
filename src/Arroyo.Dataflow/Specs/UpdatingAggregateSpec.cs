using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// GROUP BY keys… without a window: an updating result.
/// <para>Input: <see cref="Input"/>; may itself be updating (has <c>_is_retract</c>): retracted rows
/// are removed from the accumulators. Shuffle edge keyed by <see cref="KeyColumns"/>.
/// <see cref="InputRetracts"/> false: the planner knows the updating input never carries a
/// retraction (an inner join of append-only streams), so the accumulators are the append-only
/// ones (a running max, not a multiset of every value) and no row count is kept per key; that
/// changes the state table's schema, so a checkpoint of the other form is refused, not misread.</para>
/// <para>Changes are emitted every <see cref="FlushInterval"/> (null: the run's
/// <c>UpdateAggregateFlushInterval</c>), before each checkpoint snapshot, and at end of input:
/// for each changed key, a retraction of the previously emitted row (if any) followed by the new
/// row; a group whose row count fell to zero emits only the retraction. A key untouched for
/// <see cref="Ttl"/> (by event time: watermark − last update) is forgotten without output.</para>
/// <para>Output: key columns (in <see cref="KeyColumns"/> order), one column per aggregate,
/// <c>_is_retract</c> BOOLEAN, <c>_timestamp</c> = largest input <c>_timestamp</c> seen for the key
/// (the retraction row carries the timestamp of the row it retracts).</para>
/// </summary>
public sealed record UpdatingAggregateSpec(
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    IReadOnlyList<AggregateCall> Aggregates,
    Schema Output,
    TimeSpan Ttl,
    TimeSpan? FlushInterval = null,
    bool InputRetracts = true) : OperatorSpec
{
    /// <summary>Whether input rows may be retractions (only an updating input's may).</summary>
    public bool Retracting => Input.IsUpdating && InputRetracts;

    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(24);

    public override Schema OutputSchema => Output;

    public override string Describe() =>
        $"updating aggregate {WindowedAggregateLayout.Describe(Input, KeyColumns, Aggregates)} ttl {Ttl}" +
        (Input.IsUpdating && !InputRetracts ? " (input never retracts)" : "");
}
