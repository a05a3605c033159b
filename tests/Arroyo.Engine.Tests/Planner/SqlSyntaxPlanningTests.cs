using Arroyo.Cli.Composition;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Bound;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// How the syntax DataFusion plans onto functions binds (slices, @&gt; / &lt;@, || on arrays, X'…'),
/// how UNION (distinct) plans, and the errors for the constructs the reference's streaming planner
/// refuses (INTERSECT, EXCEPT, subqueries, grouping sets), each pointing at the text marked «like this».
/// </summary>
public sealed class SqlSyntaxPlanningTests
{
    private const string Impulse = "CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');\n";

    private static PlannedPipeline Plan(string sql) => PipelinePlanner.Plan(Impulse + sql, new PlanOptions { Connectors = BuiltIns.Connectors() });

    [Theory]
    [InlineData("SELECT make_array(counter, 2, 3)[2:3] AS s FROM impulse", "array_slice")]
    [InlineData("SELECT make_array(counter, 2, 3, 4)[1:4:2] AS s FROM impulse", "array_slice")]
    [InlineData("SELECT make_array(counter, 2) @> make_array(2) AS c FROM impulse", "array_has_all")]
    [InlineData("SELECT make_array(counter, 2) <@ make_array(2) AS c FROM impulse", "array_has_all")]
    [InlineData("SELECT make_array(counter) || make_array(1) AS c FROM impulse", "array_concat")]
    [InlineData("SELECT make_array(counter) || 1 AS c FROM impulse", "array_append")]
    [InlineData("SELECT 1 || make_array(counter) AS c FROM impulse", "array_prepend")]
    [InlineData("SELECT make_array(make_array(counter)) || make_array(1) AS c FROM impulse", "array_append")]
    public void SyntaxBindsToTheFunctionDataFusionPlans(string sql, string function) =>
        Assert.Contains($"\"{function}\"", Plan(sql).ToJson());

    [Fact]
    public void ContainedBySwapsTheArguments()
    {
        // a <@ b is array_has_all(b, a): the constant array comes first.
        var plan = Plan("SELECT make_array(counter) <@ make_array(7, 8) AS c FROM impulse");
        var call = plan.Graph.Nodes.Select(n => n.Operator).OfType<ProjectionSpec>()
            .SelectMany(p => p.Expressions).OfType<ScalarCall>().Single(c => c.Function.Name == "array_has_all");
        Assert.True(call.Args[0] is Literal or ScalarCall { Args: [Literal, Literal] }, $"first argument: {call.Args[0]}");
        Assert.IsNotType<Literal>(call.Args[1]);
    }

    [Fact]
    public void AHexLiteralIsBinary()
    {
        var plan = Plan("SELECT X'0aff' AS b, counter FROM impulse");
        Assert.Contains(plan.Graph.Nodes.Select(n => n.Operator).OfType<ProjectionSpec>(),
            p => p.OutputSchema.Fields.Any(f => f.Name == "b" && f.Type == DataType.Binary));
    }

    [Fact]
    public void UnionPlansAsADistinctUpdatingAggregateOverTheUnion()
    {
        var plan = Plan("""
            CREATE TABLE out WITH (connector = 'single_file', path = '/tmp/x.json', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT counter % 3 AS m FROM impulse UNION ALL SELECT subtask_index AS m FROM impulse UNION SELECT counter % 5 AS m FROM impulse;
            """);
        var aggregate = Assert.Single(plan.Graph.Nodes.Select(n => n.Operator).OfType<UpdatingAggregateSpec>());
        Assert.Empty(aggregate.Aggregates);
        // The three inputs meet in one union node (the nested UNIONs are absorbed by the distinct one).
        Assert.Contains(plan.Graph.Nodes, n => plan.Graph.InputsOf(n.Id).Count() == 3);
    }

    [Fact]
    public void UnionAllStaysAppendOnly()
    {
        var plan = Plan("SELECT counter FROM impulse UNION ALL SELECT counter FROM impulse");
        Assert.DoesNotContain(plan.Graph.Nodes, n => n.Operator is UpdatingAggregateSpec);
    }

    [Fact]
    public void UnionIsUpdatingSoAnAppendOnlySinkIsRefused()
    {
        var error = Assert.ThrowsAny<UserException>(() => Plan("""
            CREATE TABLE out WITH (connector = 'single_file', path = '/tmp/x.json', format = 'json', type = 'sink');
            INSERT INTO out SELECT counter FROM impulse UNION SELECT counter FROM impulse;
            """));
        Assert.Contains("debezium_json", error.Hint);
    }

    [Theory]
    [InlineData("SELECT counter FROM impulse «INTERSECT» SELECT counter FROM impulse", "INTERSECT is planned as a semi join on all columns")]
    [InlineData("SELECT counter FROM impulse «EXCEPT ALL» SELECT counter FROM impulse", "EXCEPT ALL is planned as an anti join on all columns")]
    [InlineData("SELECT counter FROM impulse WHERE «counter IN (SELECT counter FROM impulse)»", "IN (subquery) is planned as a semi join")]
    [InlineData("SELECT counter FROM impulse WHERE «counter NOT IN (SELECT counter FROM impulse)»", "NOT IN (subquery) is planned as an anti join")]
    [InlineData("SELECT counter FROM impulse WHERE «EXISTS (SELECT 1 FROM impulse)»", "EXISTS (subquery) is planned as a semi join")]
    [InlineData("SELECT counter FROM impulse WHERE «NOT EXISTS (SELECT 1 FROM impulse)»", "NOT EXISTS (subquery) is planned as an anti join")]
    [InlineData("SELECT counter, «(SELECT max(counter) FROM impulse)» AS m FROM impulse", "a scalar subquery is planned as a left join")]
    [InlineData("SELECT counter % 2 AS a, count(*) FROM impulse GROUP BY «ROLLUP (counter % 2)»", "ROLLUP in a streaming aggregate")]
    [InlineData("SELECT count(*) FROM impulse GROUP BY «CUBE (counter, subtask_index)»", "CUBE in a streaming aggregate")]
    [InlineData("SELECT count(*) FROM impulse GROUP BY «GROUPING SETS ((counter), ())»", "GROUPING SETS in a streaming aggregate")]
    [InlineData("SELECT «make_array(counter)[:1]» FROM impulse", "Slice subscript requires a lower bound")]
    [InlineData("SELECT «make_array(counter)[1:]» FROM impulse", "Slice subscript requires an upper bound")]
    [InlineData("SELECT counter «@>» 1 FROM impulse", "operator @> needs two arrays, got BIGINT UNSIGNED @> BIGINT")]
    [InlineData("SELECT counter FROM impulse «UNION» SELECT counter, counter FROM impulse", "UNION inputs must have the same number of columns")]
    [InlineData("SELECT counter FROM impulse WHERE CAST(counter AS TEXT) LIKE '1!%' ESCAPE «'!'»", "LIKE does not support escape_char other than the backslash")]
    [InlineData("SELECT counter FROM impulse WHERE CAST(counter AS TEXT) LIKE '1%' ESCAPE «'ab'»", "Invalid escape character in LIKE expression")]
    public void RefusedConstructsPointAtTheirText(string marked, string message)
    {
        var start = marked.IndexOf('«');
        var end = marked.IndexOf('»') - 1;
        var sql = marked.Replace("«", "").Replace("»", "");
        var error = Assert.ThrowsAny<UserException>(() => Plan(sql));
        Assert.Contains(message, error.Message);
        Assert.Equal((Impulse.Length + start, Impulse.Length + end), (error.Span.Start, error.Span.End));
        Assert.Equal(2, error.Span.Line);
        Assert.Equal(start + 1, error.Span.Column);
    }
}
