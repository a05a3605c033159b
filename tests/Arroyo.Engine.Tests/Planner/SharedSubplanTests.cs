using Arroyo.Cli.Composition;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>A subquery written twice is planned once, unless the two differ or are volatile.</summary>
public sealed class SharedSubplanTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
        CREATE TABLE out WITH (connector = 'blackhole');

        """;

    private static int Count<T>(string sql) =>
        PipelinePlanner.Plan(Tables + sql, new PlanOptions { Connectors = BuiltIns.Connectors() }).Graph.Nodes.Count(n => n.Operator is T);

    private static string Join(string left, string right) => $"""
        INSERT INTO out SELECT a.k, a.n, b.n AS m FROM
          ({left}) a
        JOIN
          ({right}) b
        ON a.k = b.k AND a.window = b.window;
        """;

    private const string Counts = "SELECT counter % 7 AS k, count(*) AS n, tumble(interval '1 second') AS window FROM impulse GROUP BY 1, 3";

    [Fact]
    public void TheSameAggregateTwiceIsOneNode()
    {
        Assert.Equal(1, Count<TumblingAggregateSpec>(Join(Counts, Counts)));
    }

    [Fact]
    public void AggregatesThatDifferInALiteralStayApart()
    {
        var other = Counts.Replace("% 7", "% 5", StringComparison.Ordinal);
        Assert.Equal(2, Count<TumblingAggregateSpec>(Join(Counts, other)));
    }

    [Fact]
    public void AggregatesThatDifferInTheFunctionStayApart()
    {
        var other = Counts.Replace("count(*)", "sum(counter)", StringComparison.Ordinal);
        Assert.Equal(2, Count<TumblingAggregateSpec>(Join(Counts, other)));
    }

    [Fact]
    public void VolatileExpressionsAreEvaluatedPerUse()
    {
        var random = "SELECT counter % 7 AS k, count(*) AS n, tumble(interval '1 second') AS window FROM impulse WHERE random() < 0.5 GROUP BY 1, 3";
        Assert.Equal(2, Count<FilterSpec>(Join(random, random)));
        Assert.Equal(2, Count<TumblingAggregateSpec>(Join(random, random)));
    }
}
