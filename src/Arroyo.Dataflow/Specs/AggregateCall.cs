using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// One aggregate of a GROUP BY, over columns of the stateful operator's input (the planner
/// projects arguments into columns first).
/// <list type="bullet">
/// <item><see cref="Function"/>: lower-case canonical name from
///   <c>Arroyo.Expressions.Aggregates.AggregateFunctions</c> (aliases resolved, e.g. <c>stddev</c>
///   → <c>stddev_samp</c>, <c>var</c> → <c>var_samp</c>, <c>mean</c> → <c>avg</c>).</item>
/// <item><see cref="Args"/>: input column indices. <c>count(*)</c> has none. Two-argument
///   statistics (corr, covar_*, regr_*) take [y, x] in SQL order.
///   <c>approx_percentile_cont(p) WITHIN GROUP (ORDER BY x)</c> and
///   <c>approx_percentile_cont(x, p)</c>: Args = [x], Parameters = [p].
///   <c>approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x)</c>: Args = [x, w], Parameters = [p].
///   <c>string_agg(x, delimiter)</c>: Args = [x], Parameters = [delimiter as string].</item>
/// <item><see cref="Distinct"/>: <c>count(DISTINCT x)</c> etc.</item>
/// <item><see cref="FilterColumn"/>: a BOOLEAN input column; rows where it is not true are skipped (<c>FILTER (WHERE …)</c>).</item>
/// <item><see cref="ResultType"/>: from <c>AggregateFunctions.ResolveReturnType</c>.</item>
/// </list>
/// </summary>
public sealed record AggregateCall(
    string Function,
    IReadOnlyList<int> Args,
    bool Distinct,
    int? FilterColumn,
    DataType ResultType,
    string OutputName)
{
    /// <summary>Constant parameters (percentile as <see cref="double"/>, delimiter as <see cref="string"/>).</summary>
    public IReadOnlyList<object?> Parameters { get; init; } = [];

    public override string ToString() =>
        $"{Function}({(Distinct ? "DISTINCT " : "")}{(Args.Count == 0 ? "*" : string.Join(", ", Args.Select(a => "#" + a)))}" +
        (Parameters.Count > 0 ? ", " + string.Join(", ", Parameters) : "") + ")" +
        (FilterColumn is { } f ? $" FILTER (#{f})" : "") + $" AS {OutputName}";
}
