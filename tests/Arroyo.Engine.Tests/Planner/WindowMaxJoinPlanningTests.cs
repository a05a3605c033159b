using Arroyo.Cli.Composition;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// Which joins with "MAX per window" become the rows at the window's maximum
/// (<see cref="WindowMaxRowsSpec"/>, Logical/WindowMaxJoin) and which stay windowed joins.
/// </summary>
public sealed class WindowMaxJoinPlanningTests
{
    private const string Tables = """
        CREATE TABLE bids (
          ts TIMESTAMP NOT NULL,
          auction BIGINT,
          price BIGINT,
          bidder BIGINT,
          score DOUBLE,
          WATERMARK FOR ts AS ts - INTERVAL '1 second'
        ) WITH (connector = 'single_file', path = '/tmp/bids.json', format = 'json', type = 'source');
        CREATE TABLE out WITH (connector = 'blackhole');

        """;

    private const string Distinct = "(SELECT auction, price, bidder, tumble(interval '10 seconds') AS window FROM bids GROUP BY auction, price, bidder, window) B";

    private const string MaxPrice = "(SELECT max(price) AS m, tumble(interval '10 seconds') AS window FROM bids GROUP BY window) M";

    private const string Counts = "(SELECT auction, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS window FROM bids GROUP BY auction, window)";

    private static DataflowGraph Plan(string select, int parallelism = 1) =>
        PipelinePlanner.Plan(Tables + $"INSERT INTO out {select};", new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = parallelism }).Graph;

    private static List<WindowMaxRowsSpec> MaxRows(DataflowGraph graph) => graph.Nodes.Select(n => n.Operator).OfType<WindowMaxRowsSpec>().ToList();

    private static void AssertRewritten(string select, bool minimum = false, long width = 1)
    {
        var graph = Plan(select);
        Assert.DoesNotContain(graph.Nodes, n => n.Operator is WindowedJoinSpec);
        var phases = MaxRows(graph);
        Assert.Equal(2, phases.Count);
        Assert.Equal([true, false], phases.Select(p => p.Partial));
        Assert.All(phases, p => Assert.Equal(minimum, p.Minimum));
        Assert.All(phases, p => Assert.Equal(width, p.WidthNanos));
        // The merging phase is fed by a shuffle on no keys: one subtask sees every partial maximum.
        var merged = graph.Nodes.Single(n => n.Operator is WindowMaxRowsSpec { Partial: false });
        var edge = graph.Edges.Single(e => e.Target == merged.Id);
        Assert.Equal(EdgeKind.Shuffle, edge.Kind);
        Assert.Empty(edge.KeyColumns!);
    }

    private static void AssertNotRewritten(string select)
    {
        var graph = Plan(select);
        Assert.Empty(MaxRows(graph));
        Assert.Contains(graph.Nodes, n => n.Operator is WindowedJoinSpec);
    }

    [Fact]
    public void TumblingDistinctJoinedWithItsMaximumIsFilteredBeforeTheDistinct()
    {
        AssertRewritten($"SELECT B.auction, B.price, M.m, M.window FROM {Distinct} JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window", width: 10_000_000_000);
        // The filter runs on the bids before the distinct keeps them, so the distinct reads the merged phase.
        var graph = Plan($"SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window");
        var merged = graph.Nodes.Single(n => n.Operator is WindowMaxRowsSpec { Partial: false });
        var distinct = graph.Edges.Single(e => e.Source == merged.Id).Target;
        Assert.IsType<TumblingAggregateSpec>(graph.Nodes.Single(n => n.Id == distinct).Operator);
    }

    [Fact]
    public void ComparisonsThatMeanEqualityAtTheExtremeAreRewritten()
    {
        AssertRewritten($"SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON B.price >= M.m AND B.window = M.window", width: 10_000_000_000);
        AssertRewritten($"SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON M.m <= B.price AND M.window = B.window", width: 10_000_000_000);
        AssertRewritten($"SELECT B.auction FROM {Distinct} JOIN (SELECT min(price) AS m, tumble(interval '10 seconds') AS window FROM bids GROUP BY window) M ON B.price <= M.m AND B.window = M.window",
            minimum: true, width: 10_000_000_000);
        // Without the window equality the windowed join still matches by window.
        AssertRewritten($"SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON B.price = M.m", width: 10_000_000_000);
    }

    [Fact]
    public void AnAggregateJoinedWithTheMaximumOfItsOwnColumnIsRewrittenPerWindowTimestamp()
    {
        AssertRewritten($"SELECT A.auction, A.num FROM {Counts} AS A JOIN (SELECT max(C.num) AS maxn, C.window FROM {Counts} AS C GROUP BY C.window) AS M ON A.window = M.window AND A.num >= M.maxn");
        AssertRewritten($"SELECT A.auction, A.num FROM {Counts} AS A JOIN (SELECT max(C.num) AS maxn, C.window FROM {Counts} AS C GROUP BY C.window) AS M ON A.window = M.window AND A.num = M.maxn");
    }

    [Theory]
    [InlineData("B.price > M.m AND B.window = M.window")] // > is never true at the maximum
    [InlineData("B.price <= M.m AND B.window = M.window")] // every row is <= the maximum
    [InlineData("B.price = M.m AND B.window = M.window AND B.auction > 5")] // another conjunct
    [InlineData("B.bidder = M.m AND B.window = M.window")] // not the column the maximum is of
    public void OtherConditionsStayJoins(string on) =>
        AssertNotRewritten($"SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON {on}");

    [Fact]
    public void MaximumOfAnotherColumnStaysAJoin() =>
        AssertNotRewritten($"SELECT B.auction FROM {Distinct} JOIN (SELECT max(bidder) AS m, tumble(interval '10 seconds') AS window FROM bids GROUP BY window) M ON B.price = M.m AND B.window = M.window");

    [Fact]
    public void LeftWithHavingStaysAJoin() =>
        AssertNotRewritten("SELECT B.auction FROM (SELECT auction, price, tumble(interval '10 seconds') AS window FROM bids GROUP BY auction, price, window HAVING count(*) > 1) B " +
            $"JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window");

    [Fact]
    public void LeftOverAFilteredInputStaysAJoin() =>
        AssertNotRewritten("SELECT B.auction FROM (SELECT auction, price, tumble(interval '10 seconds') AS window FROM bids WHERE bidder > 3 GROUP BY auction, price, window) B " +
            $"JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window");

    [Fact]
    public void OuterJoinStaysAJoin() =>
        AssertNotRewritten($"SELECT B.auction FROM {Distinct} LEFT JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window");

    [Fact]
    public void HopWindowsOverTheRawInputStayAJoin() =>
        AssertNotRewritten("SELECT B.auction FROM (SELECT auction, price, hop(interval '2 seconds', interval '10 seconds') AS window FROM bids GROUP BY auction, price, window) B " +
            "JOIN (SELECT max(price) AS m, hop(interval '2 seconds', interval '10 seconds') AS window FROM bids GROUP BY window) M ON B.price = M.m AND B.window = M.window");

    [Fact]
    public void MaximumOverADifferentSubqueryStaysAJoin() =>
        AssertNotRewritten($"SELECT A.auction FROM {Counts} AS A JOIN (SELECT max(C.num) AS maxn, C.window FROM (SELECT auction, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS window FROM bids WHERE price > 1 GROUP BY auction, window) AS C GROUP BY C.window) AS M ON A.window = M.window AND A.num >= M.maxn");

    [Fact]
    public void FloatingPointColumnsStayJoins() =>
        AssertNotRewritten("SELECT B.auction FROM (SELECT auction, score, tumble(interval '10 seconds') AS window FROM bids GROUP BY auction, score, window) B " +
            "JOIN (SELECT max(score) AS m, tumble(interval '10 seconds') AS window FROM bids GROUP BY window) M ON B.score = M.m AND B.window = M.window");

    [Fact]
    public void ExplainShowsBothPhases()
    {
        var text = PipelinePlanner.Plan(Tables + $"INSERT INTO out SELECT B.auction FROM {Distinct} JOIN {MaxPrice} ON B.price = M.m AND B.window = M.window;",
            new PlanOptions { Connectors = BuiltIns.Connectors() }).Explain();
        Assert.Contains("rows at the window's maximum of _key_price per tumbling window 00:00:10, partial per subtask", text);
        Assert.Contains("rows at the window's maximum of _key_price per tumbling window 00:00:10, merged", text);
    }
}
