namespace Arroyo.Engine.Tests.Expressions;

/// <summary>Every function named on the reference's aggregate-functions and window-functions pages (that page shows no results to check).</summary>
public sealed class ReferencePageAggregateAndWindowFunctionTests
{
    private static readonly string[] s_aggregatePage =
    [
        "approx_distinct", "approx_median", "approx_percentile_cont", "approx_percentile_cont_with_weight", "array_agg", "avg",
        "bit_and", "bit_or", "bit_xor", "bool_and", "bool_or", "corr", "count", "covar", "covar_pop", "covar_samp", "max", "mean",
        "median", "min", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy",
        "regr_syy", "stddev", "stddev_pop", "stddev_samp", "sum", "var", "var_pop", "var_samp",
    ];

    private static readonly string[] s_windowPage =
    [
        "cume_dist", "dense_rank", "first_value", "lag", "last_value", "lead", "nth_value", "ntile", "percent_rank", "rank", "row_number",
    ];

    [Fact]
    public void Every_aggregate_of_the_page_is_registered()
    {
        var missing = s_aggregatePage.Where(f => !TestFunctions.Builtins.Aggregates.IsAggregate(f)).ToList();
        Assert.True(missing.Count == 0, "not registered: " + string.Join(", ", missing));
    }

    // The page's aliases are the same aggregate as in DataFusion (the smoke corpus's every_aggregate runs the others).
    [Theory]
    [InlineData("mean", "avg")]
    [InlineData("covar", "covar_samp")]
    [InlineData("stddev_samp", "stddev")]
    [InlineData("var", "var_samp")]
    public void Aliases_are_the_same_aggregate(string alias, string name) =>
        Assert.Equal(TestFunctions.Builtins.Aggregates.CanonicalName(name), TestFunctions.Builtins.Aggregates.CanonicalName(alias));

    [Fact]
    public void Every_window_function_of_the_page_is_registered_or_an_aggregate()
    {
        var missing = s_windowPage.Where(f => !TestFunctions.Builtins.Windows.IsWindowFunction(f) && !TestFunctions.Builtins.Aggregates.IsAggregate(f)).ToList();
        Assert.True(missing.Count == 0, "not registered: " + string.Join(", ", missing));
    }
}
