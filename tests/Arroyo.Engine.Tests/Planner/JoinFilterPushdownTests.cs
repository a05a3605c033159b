using Arroyo.Cli.Composition;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// A WHERE conjunct of an inner join that reads one side and cannot fail is applied below the
/// join instead of above it; anything else stays above the join.
/// </summary>
public sealed class JoinFilterPushdownTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
        CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
        CREATE VIEW a AS SELECT counter AS k, counter % 3 AS n FROM impulse;
        CREATE VIEW b AS SELECT counter AS k, counter % 5 AS m, 'x' || counter AS s FROM impulse;

        """;

    private static PlannedPipeline Plan(string where, string join = "JOIN") =>
        PipelinePlanner.Plan(Tables + $"INSERT INTO out SELECT a.k, a.n, b.m FROM a {join} b ON a.k = b.k WHERE {where};",
            new PlanOptions { Connectors = BuiltIns.Connectors() });

    /// <summary>The predicates of the plan's filters, as EXPLAIN prints them, each as often as it occurs.</summary>
    private static List<string> Filters(string where, string join = "JOIN") =>
        Plan(where, join).Graph.Nodes.Select(n => n.Operator).OfType<FilterSpec>().Select(f => f.Predicate.ToString()).ToList();

    /// <summary>The predicates of the filters that read the join's output.</summary>
    private static List<string> FiltersAboveTheJoin(string where, string join = "JOIN")
    {
        var graph = Plan(where, join).Graph;
        var joinId = graph.Nodes.Single(n => n.Operator is UpdatingJoinSpec).Id;
        return graph.OutputsOf(joinId).Select(e => graph.Node(e.Target).Operator)
            .OfType<FilterSpec>().Select(f => f.Predicate.ToString()).ToList();
    }

    [Fact]
    public void OneSidedComparisonsArePushedToTheirSide()
    {
        var filters = Filters("b.m = 2 AND a.n IN (1, 2) AND a.k + b.m > 3");
        Assert.Equal(3, filters.Count);
        Assert.Single(filters, f => f == "(m = 2)");
        Assert.Single(filters, f => f == "n IN (1, 2)");
        // Above the join only the conjunct reading both sides is left: the pushed ones hold for every joined row.
        var above = Assert.Single(FiltersAboveTheJoin("b.m = 2 AND a.n IN (1, 2) AND a.k + b.m > 3"));
        Assert.Contains("+", above, StringComparison.Ordinal);
        Assert.DoesNotContain("(m = 2)", above, StringComparison.Ordinal);
        Assert.DoesNotContain(" IN ", above, StringComparison.Ordinal);
    }

    [Fact]
    public void AWhereOfOneSidedConjunctsOnlyLeavesNoFilterAboveTheJoin()
    {
        // q20's shape: the category test runs once, on the auctions, not again on every joined row.
        Assert.Equal(["(m = 2)", "(n = 1)"], Filters("b.m = 2 AND a.n = 1").Order(StringComparer.Ordinal));
        Assert.Empty(FiltersAboveTheJoin("b.m = 2 AND a.n = 1"));
    }

    [Fact]
    public void ALeftJoinTheWhereMakesInnerIsPushedAsAnInnerJoin()
    {
        // b.m = 2 is false for the NULLs a LEFT JOIN pads with, so the join is inner and the test moves below it.
        Assert.Equal(["(m = 2)"], Filters("b.m = 2", "LEFT JOIN"));
        Assert.Empty(FiltersAboveTheJoin("b.m = 2", "LEFT JOIN"));
    }

    [Fact]
    public void AWindowedJoinLeavesNoFilterAboveItForItsPushedConjuncts()
    {
        var graph = PipelinePlanner.Plan("""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
            CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
            CREATE VIEW wa AS SELECT counter % 3 AS k, count(*) AS c, tumble(interval '1 second') AS w FROM impulse GROUP BY 1, w;
            CREATE VIEW wb AS SELECT counter % 5 AS k, count(*) AS d, tumble(interval '1 second') AS w FROM impulse GROUP BY 1, w;
            INSERT INTO out SELECT wa.k, wa.c, wb.d FROM wa JOIN wb ON wa.k = wb.k AND wa.w = wb.w WHERE wa.c > 1;
            """, new PlanOptions { Connectors = BuiltIns.Connectors() }).Graph;
        Assert.Equal(["(c > 1)"], graph.Nodes.Select(n => n.Operator).OfType<FilterSpec>().Select(f => f.Predicate.ToString()));
        var join = graph.Nodes.Single(n => n.Operator is WindowedJoinSpec);
        Assert.IsType<FilterSpec>(graph.Node(graph.InputsOf(join.Id).Single(e => e.TargetInput == 0).Source).Operator);
    }

    [Fact]
    public void AConjunctThatCanFailIsNotPushed()
    {
        // 10 / m divides by zero for m = 0: a row the join drops must not raise that error.
        var filters = Filters("10 / b.m > 1");
        Assert.Single(filters);
    }
}
