using Arroyo.Cli.Composition;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// A WHERE conjunct of an inner join that reads one side and cannot fail is applied below the
/// join as well as above it; anything else stays above the join only.
/// </summary>
public sealed class JoinFilterPushdownTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
        CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
        CREATE VIEW a AS SELECT counter AS k, counter % 3 AS n FROM impulse;
        CREATE VIEW b AS SELECT counter AS k, counter % 5 AS m, 'x' || counter AS s FROM impulse;

        """;

    /// <summary>The predicates of the plan's filters, as EXPLAIN prints them, each as often as it occurs.</summary>
    private static List<string> Filters(string where) =>
        PipelinePlanner.Plan(Tables + $"INSERT INTO out SELECT a.k, a.n, b.m FROM a JOIN b ON a.k = b.k WHERE {where};",
                new PlanOptions { Connectors = BuiltIns.Connectors() })
            .Graph.Nodes.Select(n => n.Operator).OfType<FilterSpec>().Select(f => f.Predicate.ToString()).ToList();

    [Fact]
    public void OneSidedComparisonsArePushedToTheirSide()
    {
        var filters = Filters("b.m = 2 AND a.n IN (1, 2) AND a.k + b.m > 3");
        Assert.Equal(3, filters.Count);
        Assert.Single(filters, f => f == "(m = 2)");
        Assert.Single(filters, f => f == "n IN (1, 2)");
        // The WHERE itself stays above the join, whole; the conjunct reading both sides is only there.
        Assert.Single(filters, f => f.Contains("+", StringComparison.Ordinal) && f.Contains("(m = 2)", StringComparison.Ordinal));
    }

    [Fact]
    public void AConjunctThatCanFailIsNotPushed()
    {
        // 10 / m divides by zero for m = 0: a row the join drops must not raise that error.
        var filters = Filters("10 / b.m > 1");
        Assert.Single(filters);
    }
}
