using Arroyo.Cli.Composition;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>SELECT DISTINCT is an updating aggregate grouped by the projection (DataFusion's ReplaceDistinctWithAggregate).</summary>
public sealed class SelectDistinctTests
{
    private const string Impulse = "CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');\n";

    [Fact]
    public void DistinctPlansAsAnUpdatingAggregateWithoutAggregateCalls()
    {
        var sql = Impulse + """
            CREATE TABLE out WITH (connector = 'single_file', path = '/tmp/x.json', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT DISTINCT counter % 2 AS m, subtask_index FROM impulse;
            """;
        var plan = PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() });
        var aggregate = Assert.Single(plan.Graph.Nodes.Select(n => n.Operator).OfType<UpdatingAggregateSpec>());
        Assert.Empty(aggregate.Aggregates);
    }

    [Fact]
    public void DistinctIsUpdating()
    {
        var sql = Impulse + """
            CREATE TABLE out WITH (connector = 'single_file', path = '/tmp/x.json', format = 'json', type = 'sink');
            INSERT INTO out SELECT DISTINCT counter FROM impulse;
            """;
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains("debezium_json", error.Hint);
    }

    [Fact]
    public void DistinctWithGroupByIsNotSupported()
    {
        var sql = Impulse + "SELECT DISTINCT count(*) FROM impulse GROUP BY subtask_index;";
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains("SELECT DISTINCT", error.Message);
    }
}
