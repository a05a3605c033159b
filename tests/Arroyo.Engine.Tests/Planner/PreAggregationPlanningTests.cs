using Arroyo.Cli.Composition;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// Which windowed GROUP BYs get a partial aggregate before their shuffle (Logical/PreAggregation)
/// and how the aggregate behind it merges the partials; EXPLAIN shows the partial node.
/// </summary>
public sealed class PreAggregationPlanningTests
{
    private const string Tables = """
        CREATE TABLE bids (
          ts TIMESTAMP NOT NULL,
          auction BIGINT,
          price BIGINT,
          small INT,
          channel TEXT,
          score DOUBLE,
          WATERMARK FOR ts AS ts - INTERVAL '1 second'
        ) WITH (connector = 'single_file', path = '/tmp/bids.json', format = 'json', type = 'source');
        CREATE TABLE out WITH (connector = 'blackhole');

        """;

    private static PlannedPipeline PlanPipeline(string select, int parallelism = 1) =>
        PipelinePlanner.Plan(Tables + $"INSERT INTO out {select};", new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = parallelism });

    private static DataflowGraph Plan(string select, int parallelism = 1) => PlanPipeline(select, parallelism).Graph;

    private static PartialAggregateSpec? Partial(DataflowGraph graph) =>
        graph.Nodes.Select(n => n.Operator).OfType<PartialAggregateSpec>().SingleOrDefault();

    [Theory]
    [InlineData("SELECT auction, count(*) AS c, tumble(interval '10 seconds') AS w FROM bids GROUP BY auction, w", 10)]
    [InlineData("SELECT count(*) AS c, max(price) AS m, hop(interval '1 millisecond', interval '5 millisecond') AS w FROM bids GROUP BY w", 0.001)]
    [InlineData("SELECT channel, sum(small) AS s, min(channel) AS lo, count(price) FILTER (WHERE price > 10) AS n, tumble(interval '1 minute') AS w FROM bids GROUP BY channel, w", 60)]
    [InlineData("SELECT auction, max(ts) AS last, hop(interval '2 seconds', interval '10 seconds') AS w FROM bids GROUP BY auction, w", 2)]
    public void AggregatesThatMergeGetAPartialBeforeTheShuffle(string select, double binSeconds)
    {
        var graph = Plan(select);
        var partial = Partial(graph);
        Assert.NotNull(partial);
        Assert.Equal((long)(binSeconds * 1e9), partial.BinNanos);
        var partialNode = graph.Nodes.Single(n => n.Operator == partial);
        // Chained to its upstream (a forward edge), then shuffled on its key columns into the merging aggregate.
        Assert.Equal(EdgeKind.Forward, graph.Edges.Single(e => e.Target == partialNode.Id).Kind);
        var toMerge = graph.Edges.Single(e => e.Source == partialNode.Id);
        Assert.Equal(EdgeKind.Shuffle, toMerge.Kind);
        Assert.Equal(Enumerable.Range(0, partial.KeyColumns.Count), toMerge.KeyColumns!);
        var merging = graph.Nodes.Single(n => n.Id == toMerge.Target).Operator;
        var (input, calls) = merging switch
        {
            TumblingAggregateSpec t => (t.Input, t.Aggregates),
            SlidingAggregateSpec s => (s.Input, s.Aggregates),
            _ => throw new Xunit.Sdk.XunitException($"merged by {merging.Describe()}"),
        };
        Assert.Equal(partial.Output, input);
        for (var i = 0; i < calls.Count; i++)
        {
            Assert.Equal(PartialAggregateSpec.MergingFunction(partial.Aggregates[i]), calls[i].Function.Name);
            Assert.Equal(partial.Aggregates[i].ResultType, calls[i].ResultType);
            Assert.Equal(partial.Aggregates[i].OutputName, calls[i].OutputName);
            Assert.Equal([partial.KeyColumns.Count + i], calls[i].Args);
            Assert.Null(calls[i].FilterColumn);
        }
    }

    [Theory]
    [InlineData("SELECT auction, avg(price) AS a, tumble(interval '10 seconds') AS w FROM bids GROUP BY auction, w")]
    [InlineData("SELECT auction, sum(score) AS s, tumble(interval '10 seconds') AS w FROM bids GROUP BY auction, w")]
    [InlineData("SELECT auction, max(score) AS s, hop(interval '2 seconds', interval '10 seconds') AS w FROM bids GROUP BY auction, w")]
    [InlineData("SELECT auction, count(DISTINCT price) AS n, tumble(interval '10 seconds') AS w FROM bids GROUP BY auction, w")]
    [InlineData("SELECT auction, count(*) AS n, session(interval '10 seconds') AS w FROM bids GROUP BY auction, w")]
    [InlineData("SELECT auction, price, tumble(interval '10 seconds') AS w FROM bids GROUP BY auction, price, w")]
    public void OtherAggregatesAreLeftAlone(string select)
    {
        Assert.Null(Partial(Plan(select)));
    }

    [Fact]
    public void ThePlanIsTheSameAtEveryParallelism()
    {
        // A checkpoint restores at another parallelism only if the nodes are the same.
        const string select = "SELECT auction, count(*) AS c, hop(interval '2 seconds', interval '10 seconds') AS w FROM bids GROUP BY auction, w";
        Assert.Equal(Plan(select, 1).Nodes.Select(n => n.Operator.Describe()), Plan(select, 3).Nodes.Select(n => n.Operator.Describe()));
        Assert.NotNull(Partial(Plan(select, 1)));
    }

    [Fact]
    public void ExplainShowsThePartialNode()
    {
        var text = PlanPipeline("SELECT count(*) AS c, max(price) AS m, tumble(interval '10 seconds') AS w FROM bids GROUP BY w").Explain();
        Assert.Contains("partial aggregate per 00:00:10 bin by [] count(*) AS __agg0_count, max(_arg_1_0) AS __agg1_max (parallelism 1, chain 1) <- [4] forward", text, StringComparison.Ordinal);
        Assert.Contains("tumbling aggregate 00:00:10 by [] sum(_partial_0) AS __agg0_count, max(_partial_1) AS __agg1_max (parallelism 1, chain 2) <- [5] shuffle()", text, StringComparison.Ordinal);
        Assert.Contains("[5] _partial_0: BIGINT, _partial_1: BIGINT, _timestamp: TIMESTAMP", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheQ5SubqueryWrittenTwiceStillHasItsStateOnce()
    {
        var sql = File.ReadAllText(Path.Combine(PlannerTestSupport.NexmarkDirectory(), "q5.sql"));
        var graph = PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }).Graph;
        Assert.Single(graph.Nodes, n => n.Operator is PartialAggregateSpec);
        Assert.Single(graph.Nodes, n => n.Operator is SlidingAggregateSpec);
    }
}
