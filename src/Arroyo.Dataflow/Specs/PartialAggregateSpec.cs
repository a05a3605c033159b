using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// The local half of a windowed GROUP BY split in two (<c>Logical/PreAggregation</c> in the
/// planner): it runs in the upstream chain, before the shuffle, and keeps per (key, bin) the
/// partial accumulators of the rows it has seen, so the shuffle carries one row per key and bin
/// instead of every input row; the windowed aggregate behind the shuffle merges the partials
/// (count → sum of counts, sum → sum, min/max → min/max: <see cref="Merges"/>).
/// <para>Input: <see cref="Input"/> (append-only, <c>_timestamp</c> last). A row at t falls in the
/// bin [t − t mod <see cref="BinNanos"/>, …): the tumbling window, or the hop's slide.</para>
/// <para>Output: <see cref="Output"/>: the key columns (in <see cref="KeyColumns"/> order, types
/// as in the input), one column per aggregate (its result type), <c>_timestamp</c> = the bin's
/// start, so the merging aggregate puts the row in the bin its input rows fell in.</para>
/// <para>It keeps nothing across a checkpoint and decides nothing about lateness: it emits every
/// partial before it passes on a barrier, the end of input, an idle watermark or a watermark that
/// closes a window (a multiple of the bin width passed), and when it holds more than
/// <see cref="MaxGroups"/> groups. So the merging aggregate receives every row's partial between
/// the same two watermarks as it would have received the row, and decides lateness and which
/// windows a bin still joins exactly as without this node; watermarks that close no window
/// change no such decision, so partials are held across them.</para>
/// </summary>
public sealed record PartialAggregateSpec(
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    IReadOnlyList<AggregateCall> Aggregates,
    long BinNanos,
    Schema Output) : OperatorSpec
{
    /// <summary>Groups held before everything is emitted (a bound on memory and on how late a partial leaves).</summary>
    public const int DefaultMaxGroups = 1 << 16;

    public int MaxGroups { get; init; } = DefaultMaxGroups;

    public override Schema OutputSchema => Output;

    /// <summary>
    /// Whether merging partial results of <paramref name="call"/> gives exactly its result over
    /// the rows: count, integer sums (wrapping addition is associative) and min/max over types
    /// compared exactly. Float sums (order of additions), avg, distinct, ordered calls and the
    /// rest do not.
    /// </summary>
    public static bool Merges(AggregateCall call, Schema input)
    {
        if (call.Distinct || call.OrderBy.Count > 0 || call.Parameters.Count > 0) return false;
        return call.Function.Name switch
        {
            "count" => call.ResultType.Kind == TypeKind.Int64,
            "sum" => call.ResultType.Kind is TypeKind.Int64 or TypeKind.UInt64 && call.Args.Count == 1 && input[call.Args[0]].Type.IsInteger,
            "min" or "max" => call.Args.Count == 1 && input[call.Args[0]].Type.Kind == call.ResultType.Kind
                && call.ResultType.Kind is TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.Int64
                    or TypeKind.UInt8 or TypeKind.UInt16 or TypeKind.UInt32 or TypeKind.UInt64
                    or TypeKind.Date or TypeKind.Timestamp or TypeKind.Time or TypeKind.Utf8,
            _ => false,
        };
    }

    /// <summary>The aggregate function that merges partial results of <paramref name="call"/>.</summary>
    public static string MergingFunction(AggregateCall call) => call.Function.Name == "count" ? "sum" : call.Function.Name;

    public override string Describe() =>
        $"partial aggregate per {WindowedAggregateLayout.Duration(BinNanos)} bin {WindowedAggregateLayout.Describe(Input, KeyColumns, Aggregates)}";
}
