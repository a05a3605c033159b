using Arroyo.Cli.Composition;
using Arroyo.Core.Errors;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>User errors point at the offending text: the part marked «like this» in the SQL.</summary>
public sealed class PlannerErrorTests
{
    private const string Impulse = "CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');\n";

    [Theory]
    [InlineData("SELECT «countr» FROM impulse", "column 'countr' not found. Did you mean 'counter'?")]
    [InlineData("SELECT counter FROM «impluse»", "table 'impluse' not found. Did you mean 'impulse'?")]
    [InlineData("SELECT «uper»(counter) FROM impulse", "Invalid function 'uper'. Did you mean 'upper'?")]
    [InlineData("SELECT counter FROM impulse WHERE «counter + 1»", "WHERE expects a BOOLEAN")]
    [InlineData("SELECT count(*) FROM impulse GROUP BY «hop(INTERVAL '3 minute', INTERVAL '10 minute')»",
        "hop() width 600s currently must be a multiple of slide 180s")]
    [InlineData("SELECT «tumble(INTERVAL '1 second')», counter FROM impulse", "time window function tumble is not allowed in this context")]
    public void ErrorHasMessageAndSpan(string marked, string message)
    {
        var start = marked.IndexOf('«');
        var end = marked.IndexOf('»') - 1;
        var sql = Impulse + marked.Replace("«", "").Replace("»", "");
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains(message, error.Message);
        Assert.Equal(Impulse.Length + start, error.Span.Start);
        Assert.Equal(Impulse.Length + end, error.Span.End);
        Assert.Equal(2, error.Span.Line);
    }

    [Theory]
    [InlineData("BIGINT", "BIGINT")]
    [InlineData("TEXT", "TEXT")]
    public void EventTimeFieldOnANonTimestampColumnNamesTableColumnAndType(string type, string shown)
    {
        var sql = $"CREATE TABLE events (id BIGINT, at {type}) WITH (connector = 'single_file', path = '/tmp/in.json', format = 'json',\n" +
                  "  type = 'source', event_time_field = 'at');\nSELECT id FROM events";
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Equal($"event time field 'at' of table events has type {shown}, but event time must be a TIMESTAMP", error.Message);
        Assert.Equal(2, error.Span.Line);
        Assert.Equal("'at'", sql[error.Span.Start..error.Span.End]);
    }

    [Fact]
    public void EventTimeFieldOnATimestampColumnPlans()
    {
        var sql = "CREATE TABLE events (id BIGINT, at TIMESTAMP) WITH (connector = 'single_file', path = '/tmp/in.json', format = 'json', " +
                  "type = 'source', event_time_field = 'at');\nSELECT id FROM events";
        Assert.NotNull(PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
    }

    [Fact]
    public void HavingMayNameASelectAliasAsInTheReferenceDocs()
    {
        var sql = Impulse + "SELECT counter % 10 AS k, count(*) AS rows FROM impulse GROUP BY k HAVING rows < 500 AND k > 1";
        var plan = PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() });
        Assert.Contains(plan.Graph.Nodes, n => n.Operator is Arroyo.Dataflow.Specs.FilterSpec);
    }

    [Fact]
    public void HavingPrefersAnInputColumnOverAnAlias()
    {
        // 'counter' is an input column (a group key) and an alias: the column wins, as in DataFusion.
        var sql = Impulse + "SELECT counter, count(*) AS counter2 FROM impulse GROUP BY counter HAVING counter > 3";
        Assert.NotNull(PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        var unknown = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(Impulse + "SELECT count(*) AS rows FROM impulse HAVING rowz < 5", new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains("column 'rowz' not found", unknown.Message);
    }

    [Fact]
    public void UpdatingResultIntoAppendOnlySinkSuggestsDebezium()
    {
        var sql = Impulse + """
            CREATE TABLE out (c BIGINT) WITH (connector = 'single_file', path = '/tmp/x.json', format = 'json', type = 'sink');
            INSERT INTO out SELECT count(*) FROM impulse;
            """;
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors() }));
        Assert.Contains("debezium_json", error.Hint);
    }

    [Fact]
    public void SharedSourceIsOneNode()
    {
        var sql = Impulse + """
            CREATE TABLE a WITH (connector = 'blackhole');
            CREATE TABLE b WITH (connector = 'blackhole');
            INSERT INTO a SELECT counter FROM impulse;
            INSERT INTO b SELECT subtask_index FROM impulse;
            """;
        var plan = PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = 3 });
        Assert.Single(plan.Graph.Nodes, n => n.Operator.IsSource);
        Assert.Equal(2, plan.Sinks.Count);
        Assert.All(plan.Graph.Nodes, n => Assert.Equal(3, n.Parallelism));
        Assert.False(plan.HasSelectOutput);
    }
}
