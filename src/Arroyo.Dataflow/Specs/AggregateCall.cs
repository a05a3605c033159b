using Arroyo.Core.Types;
using Arroyo.Expressions;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// One aggregate of a GROUP BY, over columns of the stateful operator's input (the planner
/// projects arguments into columns first).
/// <list type="bullet">
/// <item><see cref="Function"/>: the resolved call from the run's
///   <c>Arroyo.Expressions.Aggregates.AggregateRegistry</c>: lower-case canonical name (aliases
///   resolved, e.g. <c>stddev</c> → <c>stddev_samp</c>, <c>var</c> → <c>var_samp</c>, <c>mean</c> →
///   <c>avg</c>), the argument columns' types and the result type (DataFusion's rules).</item>
/// <item><see cref="Args"/>: input column indices. <c>count(*)</c> has none. Two-argument
///   statistics (corr, covar_*, regr_*) take [y, x] in SQL order.
///   <c>approx_percentile_cont(p) WITHIN GROUP (ORDER BY x)</c> and
///   <c>approx_percentile_cont(x, p)</c>: Args = [x], Parameters = [p].
///   <c>approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x)</c>: Args = [x, w], Parameters = [p].
///   <c>string_agg(x, delimiter)</c>: Args = [x], Parameters = [delimiter as string].</item>
/// <item><see cref="Distinct"/>: <c>count(DISTINCT x)</c> etc.</item>
/// <item><see cref="FilterColumn"/>: a BOOLEAN input column; rows where it is not true are skipped (<c>FILTER (WHERE …)</c>).</item>
/// <item><see cref="OrderBy"/>: <c>array_agg(x ORDER BY y DESC)</c>: input columns the values are
///   sorted by before the result is built; set only for functions whose result depends on order
///   (array_agg, string_agg, first_value, last_value).</item>
/// </list>
/// </summary>
public sealed record AggregateCall(
    FunctionRef Function,
    IReadOnlyList<int> Args,
    bool Distinct,
    int? FilterColumn,
    string OutputName)
{
    public DataType ResultType => Function.Returns;

    /// <summary>Constant parameters (percentile as <see cref="double"/>, delimiter as <see cref="string"/>).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(Serialization.ConstantsJsonConverter))]
    public IReadOnlyList<object?> Parameters { get; init; } = [];

    /// <summary>The ORDER BY inside the call (empty: none).</summary>
    public IReadOnlyList<SortColumn> OrderBy { get; init; } = [];

    private string DescribeOrder(Func<int, string> column) =>
        OrderBy.Count == 0 ? "" : " ORDER BY " + string.Join(", ", OrderBy.Select(o =>
            column(o.Column) + (o.Descending ? " DESC" : "") + (o.NullsFirst is { } nf ? nf ? " NULLS FIRST" : " NULLS LAST" : "")));

    /// <summary>For EXPLAIN: the call with its argument columns named from <paramref name="input"/>.</summary>
    public string Describe(Schema input) =>
        $"{Function.Name}({(Distinct ? "DISTINCT " : "")}{(Args.Count == 0 ? "*" : WindowedAggregateLayout.Columns(input, Args))}" +
        (Parameters.Count > 0 ? ", " + string.Join(", ", Parameters) : "") + DescribeOrder(c => WindowedAggregateLayout.Column(input, c)) + ")" +
        (FilterColumn is { } filter ? $" FILTER (WHERE {WindowedAggregateLayout.Column(input, filter)})" : "") + $" AS {OutputName}";

    public override string ToString() =>
        $"{Function.Name}({(Distinct ? "DISTINCT " : "")}{(Args.Count == 0 ? "*" : string.Join(", ", Args.Select(a => "#" + a)))}" +
        (Parameters.Count > 0 ? ", " + string.Join(", ", Parameters) : "") + DescribeOrder(c => "#" + c) + ")" +
        (FilterColumn is { } f ? $" FILTER (#{f})" : "") + $" AS {OutputName}";
}
