using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>What the planner tells sinks: the keys of updating input, and which files they may write.</summary>
public sealed class SinkPlanningTests
{
    private const string Events = "CREATE TABLE events (k TEXT, v BIGINT) WITH (connector = 'single_file', path = '/tmp/arroyo-planning-in.json', format = 'json', type = 'source');\n";

    private static SinkSpec Sink(string sql) =>
        PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }).Graph.Nodes.Select(n => n.Operator).OfType<SinkSpec>().Single();

    [Fact]
    public void An_updating_aggregate_gives_the_sink_its_group_keys_through_projections()
    {
        var sink = Sink(Events + """
            CREATE TABLE out (total BIGINT, k TEXT) WITH (connector = 'single_file', path = '/tmp/arroyo-planning-out.json', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT sum(v), k FROM events GROUP BY k;
            """);
        Assert.Equal([1], sink.UpdateKeys);
    }

    [Fact]
    public void A_global_aggregate_has_an_empty_key_and_a_dropped_key_none()
    {
        Assert.Equal([], Sink(Events + "SELECT count(*) FROM events").UpdateKeys!);
        Assert.Null(Sink(Events + "SELECT count(*) AS n FROM events GROUP BY k").UpdateKeys);
        Assert.Null(Sink(Events + "SELECT k, v FROM events").UpdateKeys);
    }

    [Fact]
    public void A_debezium_source_with_a_primary_key_keys_its_changes()
    {
        var sink = Sink("""
            CREATE TABLE cdc (id INT PRIMARY KEY, name TEXT) WITH (connector = 'single_file', path = '/tmp/arroyo-planning-cdc.json', format = 'debezium_json', type = 'source');
            SELECT name, id FROM cdc;
            """);
        Assert.Equal([1], sink.UpdateKeys);
    }

    [Fact]
    public void Two_sink_tables_on_one_file_are_refused()
    {
        var sql = Events + """
            CREATE TABLE a (k TEXT) WITH (connector = 'single_file', path = '/tmp/arroyo-planning-same.json', format = 'json', type = 'sink');
            CREATE TABLE b (k TEXT) WITH (connector = 'single_file', path = '/tmp/../tmp/arroyo-planning-same.json', format = 'json', type = 'sink');
            INSERT INTO a SELECT k FROM events;
            INSERT INTO b SELECT k FROM events;
            """;
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Equal("Error during planning: sink tables 'a' and 'b' both write to '/tmp/arroyo-planning-same.json'", error.Message);
        Assert.Equal(5, error.Span.Line);
    }
}
