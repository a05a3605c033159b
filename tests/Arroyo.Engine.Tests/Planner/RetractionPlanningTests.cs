using Arroyo.Cli.Composition;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// "May retract" is the planner's own property, apart from "is updating": an inner join of
/// append-only streams is updating (its sink needs an updating format) but never retracts,
/// so an aggregate right above it is planned with append-only accumulators.
/// </summary>
public sealed class RetractionPlanningTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
        CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
        CREATE VIEW a AS SELECT counter AS k, counter % 3 AS n FROM impulse;
        CREATE VIEW b AS SELECT counter AS k, counter % 5 AS m FROM impulse;

        """;

    private static List<UpdatingAggregateSpec> Aggregates(string sql) =>
        PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() })
            .Graph.Nodes.Select(n => n.Operator).OfType<UpdatingAggregateSpec>().ToList();

    [Fact]
    public void AnAggregateOverAnInnerJoinOfAppendOnlyStreamsIsAppendOnly_TheOneAboveItRetracts()
    {
        // Nexmark q4's shape: max per join key through a filter and projections, then avg of those maxima.
        var aggregates = Aggregates(Tables + """
            INSERT INTO out SELECT n, avg(top) FROM (
              SELECT a.k, a.n, max(b.m) AS top FROM a JOIN b ON a.k = b.k WHERE b.m > a.n GROUP BY a.k, a.n
            ) GROUP BY n;
            """);
        Assert.Equal(2, aggregates.Count);
        var max = Assert.Single(aggregates, s => s.Aggregates.Any(c => c.Function.Name == "max"));
        Assert.True(max.Input.IsUpdating);
        Assert.False(max.InputRetracts);
        Assert.False(max.Retracting);
        Assert.Contains("(input never retracts)", max.Describe(), StringComparison.Ordinal);
        var avg = Assert.Single(aggregates, s => s.Aggregates.Any(c => c.Function.Name == "avg"));
        Assert.True(avg.Retracting);
        Assert.DoesNotContain("never retracts", avg.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnAggregateOverARetractingSourceRetracts()
    {
        var aggregates = Aggregates("""
            CREATE TABLE cdc (id INT PRIMARY KEY, name TEXT) WITH (connector = 'single_file', path = '/tmp/arroyo-planning-cdc.json', format = 'debezium_json', type = 'source');
            CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
            INSERT INTO out SELECT name, count(*) FROM cdc WHERE id > 3 GROUP BY name;
            """);
        Assert.True(Assert.Single(aggregates).Retracting);
    }

    [Fact]
    public void AnAggregateOverAppendOnlyInputIsNotRetracting()
    {
        var aggregates = Aggregates(Tables + "INSERT INTO out SELECT n, max(k) FROM a GROUP BY n;");
        var aggregate = Assert.Single(aggregates);
        Assert.False(aggregate.Input.IsUpdating);
        Assert.False(aggregate.Retracting);
        Assert.DoesNotContain("never retracts", aggregate.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheJoinStaysUpdatingForItsSink()
    {
        // What the user sees does not change: the join's rows still need an updating sink format.
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(
            Tables.Replace("'debezium_json'", "'json'", StringComparison.Ordinal) + "INSERT INTO out SELECT a.k, b.m FROM a JOIN b ON a.k = b.k;",
            new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains("debezium_json", error.Hint);
    }
}
