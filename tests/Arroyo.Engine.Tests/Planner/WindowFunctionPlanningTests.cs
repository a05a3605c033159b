using Arroyo.Cli.Composition;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>Binding of window calls: result types, frames and parameters, and the errors (with the offending text marked «like this»).</summary>
public sealed class WindowFunctionPlanningTests
{
    private const string Impulse = "CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');\n";

    private const string Windowed =
        "(SELECT tumble(interval '1 second') AS w, CAST(counter % 3 AS INT) AS k, count(*) AS c FROM impulse GROUP BY 1, 2)";

    private static string Over(string call, string from = Windowed) => $"SELECT w, k, c, {call} AS f FROM {from}";

    private static WindowFunctionSpec PlanWindow(string query)
    {
        var plan = PipelinePlanner.Plan(Impulse + query, new PlanOptions { Connectors = BuiltIns.Connectors() });
        var spec = Assert.Single(plan.Graph.Nodes.Select(n => n.Operator).OfType<WindowFunctionSpec>());
        // The plan is data: the calls (frames, parameters, IGNORE NULLS) read back as written.
        var json = plan.Json.Serialize((Arroyo.Dataflow.OperatorSpec)spec);
        Assert.Equal(json, plan.Json.Serialize(plan.Json.DeserializeSpec(json)));
        return spec;
    }

    [Theory]
    [InlineData("row_number() OVER (PARTITION BY w ORDER BY c)", "BIGINT UNSIGNED")]
    [InlineData("ntile(4) OVER (PARTITION BY w ORDER BY c)", "BIGINT UNSIGNED")]
    [InlineData("percent_rank() OVER (PARTITION BY w ORDER BY c)", "DOUBLE")]
    [InlineData("cume_dist() OVER (PARTITION BY w ORDER BY c)", "DOUBLE")]
    [InlineData("lag(k) OVER (PARTITION BY w ORDER BY c)", "INT")]
    [InlineData("lead(k, 2, 0) OVER (PARTITION BY w ORDER BY c)", "INT")]
    [InlineData("first_value(c) OVER (PARTITION BY w ORDER BY k)", "BIGINT")]
    [InlineData("nth_value(k, 2) OVER (PARTITION BY w ORDER BY c)", "INT")]
    [InlineData("count(*) OVER (PARTITION BY w)", "BIGINT")]
    [InlineData("sum(k) OVER (PARTITION BY w ORDER BY c ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)", "BIGINT")]
    [InlineData("avg(k) OVER (PARTITION BY w ORDER BY c)", "DOUBLE")]
    [InlineData("max(k) OVER (PARTITION BY w ORDER BY c ROWS UNBOUNDED PRECEDING)", "INT")]
    public void Result_types_are_datafusions(string call, string type)
    {
        var spec = PlanWindow(Over(call));
        Assert.Equal(type, Assert.Single(spec.Calls).ResultType.ToString());
    }

    [Fact]
    public void Frames_parameters_and_defaults_are_bound()
    {
        var spec = PlanWindow(Over("lead(k, 2, 7) OVER (PARTITION BY w ORDER BY c)"));
        var lead = Assert.Single(spec.Calls);
        Assert.Equal(2, lead.Parameter);
        Assert.Equal(2, lead.Args.Count);
        Assert.Equal(DataType.Int32, spec.Input[lead.Args[1]].Type);
        Assert.Equal(WindowFrame.Default, lead.Frame);

        var rows = PlanWindow(Over("sum(k) OVER (PARTITION BY w ORDER BY c ROWS 3 PRECEDING)"));
        Assert.Equal("ROWS BETWEEN 3 PRECEDING AND CURRENT ROW", rows.Calls[0].Frame.ToString());

        var ignoring = PlanWindow(Over("last_value(k) IGNORE NULLS OVER (PARTITION BY w ORDER BY c RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)")
            );
        Assert.True(ignoring.Calls[0].IgnoreNulls);
        Assert.True(ignoring.Output[^2].Nullable);
        Assert.True(rows.Output[^2].Nullable);
        Assert.Equal("RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING", ignoring.Calls[0].Frame.ToString());
    }

    [Fact]
    public void The_reference_docs_example_plans_as_a_window_function_over_hop_windows()
    {
        // sql/window-functions in the reference's docs, over a bids table of our own.
        const string sql = """
            CREATE TABLE bids (auction BIGINT, ts TIMESTAMP) WITH (connector = 'single_file', path = '/tmp/bids.json', format = 'json',
              type = 'source', event_time_field = 'ts');
            SELECT * FROM (
                SELECT ROW_NUMBER()  OVER (
                    PARTITION BY window
                    ORDER BY count DESC) as row_number, auction, count
                FROM (
                  SELECT auction,
                         hop(INTERVAL '1' second, INTERVAL '10' minute ) as window,
                         count(*) as count
                    FROM bids
                    GROUP BY 1, 2)) where row_number = 1
            """;
        var plan = PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() });
        var spec = Assert.Single(plan.Graph.Nodes.Select(n => n.Operator).OfType<WindowFunctionSpec>());
        Assert.Equal("row_number", Assert.Single(spec.Calls).Function.Name);
    }

    [Theory]
    [InlineData("SELECT «lag(counter) OVER (ORDER BY counter)» FROM impulse", "Window functions require already windowed input")]
    [InlineData("SELECT «sum(counter) OVER (PARTITION BY counter % 2)» FROM impulse", "Window functions require already windowed input")]
    [InlineData("SELECT «row_number() IGNORE NULLS OVER (ORDER BY counter)» FROM impulse", "IGNORE NULLS for row_number")]
    [InlineData("SELECT «first_value(counter) IGNORE NULLS» FROM impulse GROUP BY counter % 2", "IGNORE NULLS for first_value")]
    [InlineData("SELECT «upper('a') IGNORE NULLS» FROM impulse", "IGNORE NULLS for upper")]
    public void Refusals_over_input_that_is_not_windowed(string marked, string message) => AssertError(marked, message);

    [Theory]
    [InlineData("sum(c) OVER (PARTITION BY w ORDER BY c RANGE BETWEEN «1 PRECEDING» AND CURRENT ROW)", "RANGE frames with an offset")]
    [InlineData("sum(c) OVER (PARTITION BY w ORDER BY c «GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW»)", "GROUPS window frames")]
    [InlineData("sum(c) OVER (PARTITION BY w ORDER BY c «ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING»)",
        "start bound (1 FOLLOWING) cannot be larger than end bound (1 PRECEDING)")]
    [InlineData("sum(c) OVER (PARTITION BY w ORDER BY c ROWS BETWEEN «UNBOUNDED FOLLOWING» AND CURRENT ROW)", "start bound cannot be UNBOUNDED FOLLOWING")]
    [InlineData("sum(c) OVER (PARTITION BY w ORDER BY c ROWS BETWEEN «c» PRECEDING AND CURRENT ROW)", "non-negative integer constant")]
    [InlineData("ntile(«0») OVER (PARTITION BY w ORDER BY c)", "NTILE requires a positive integer")]
    [InlineData("ntile(«c») OVER (PARTITION BY w ORDER BY c)", "NTILE requires a positive integer")]
    [InlineData("nth_value(c, «k») OVER (PARTITION BY w ORDER BY c)", "Expected a signed integer literal for the second argument of nth_value")]
    [InlineData("lag(c, 1, «k») OVER (PARTITION BY w ORDER BY c)", "the default of lag must be a constant")]
    [InlineData("«lag(c, 1, 2, 3) OVER (PARTITION BY w ORDER BY c)»", "lag takes 1 to 3 arguments, got 4")]
    [InlineData("«rank(c) OVER (PARTITION BY w ORDER BY c)»", "rank takes 0 arguments, got 1")]
    [InlineData("«count(DISTINCT k) OVER (PARTITION BY w)»", "DISTINCT in window function count")]
    [InlineData("sum(c) FILTER (WHERE «c > 1») OVER (PARTITION BY w)", "FILTER in window function sum")]
    [InlineData("«string_agg(CAST(k AS TEXT), ',') OVER (PARTITION BY w)»", "string_agg as a window function")]
    [InlineData("«sum(c) IGNORE NULLS OVER (PARTITION BY w)»", "IGNORE NULLS for sum")]
    public void Refusals_over_windowed_input(string markedCall, string message) =>
        AssertError(Over(markedCall), message);

    [Theory]
    [InlineData("count(DISTINCT k) OVER (PARTITION BY w)", "ignores DISTINCT here")]
    [InlineData("sum(c) FILTER (WHERE c > 1) OVER (PARTITION BY w)", "sum(CASE WHEN condition THEN x END) OVER")]
    public void Distinct_and_filter_in_window_calls_say_why_and_what_to_write_instead(string call, string hint)
    {
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(Impulse + Over(call), new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains(hint, error.Hint);
    }

    [Fact]
    public void Session_windows_are_refused_as_in_the_reference() => AssertError(
        "SELECT s, k, «row_number() OVER (PARTITION BY s ORDER BY c)» AS f FROM (SELECT session(interval '1 second') AS s, counter % 3 AS k, count(*) AS c FROM impulse GROUP BY 1, 2)",
        "Window functions do not support session windows");

    private static void AssertError(string marked, string message)
    {
        var start = marked.IndexOf('«');
        var end = marked.IndexOf('»') - 1;
        var sql = Impulse + marked.Replace("«", "").Replace("»", "");
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains(message, error.Message);
        Assert.Equal(sql.Substring(Impulse.Length + start, end - start), sql[error.Span.Start..error.Span.End]);
    }
}
