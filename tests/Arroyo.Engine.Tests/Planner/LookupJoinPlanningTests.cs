using Arroyo.Core.Errors;
using Arroyo.Dataflow.Specs;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>Joins with a lookup table: what plans into a LookupJoin node, and the reference's refusals.</summary>
public sealed class LookupJoinPlanningTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2');
        CREATE TEMPORARY TABLE lookup (k TEXT METADATA FROM 'key' PRIMARY KEY, value TEXT, len INT)
          WITH (connector = 'redis', address = 'redis://localhost:6379', format = 'json', 'lookup.cache.max_bytes' = 1000, 'lookup.cache.ttl' = interval '5' second);

        """;

    private static PlannedPipeline Plan(string query) => PipelinePlanner.Plan(Tables + query, PlannerTestSupport.ReferenceTestOptions());

    private static string Fails(string query) => Assert.ThrowsAny<UserException>(() => Plan(query)).Message;

    [Fact]
    public void A_left_join_plans_one_lookup_node_with_the_cache_settings_and_a_where_makes_it_inner()
    {
        var left = Plan("SELECT counter, B.value, B.len FROM impulse A LEFT JOIN lookup B ON CAST(A.counter AS TEXT) = B.k;");
        var spec = Assert.Single(left.Graph.Nodes.Select(n => n.Operator).OfType<LookupJoinSpec>());
        Assert.Equal(JoinKind.Left, spec.Kind);
        Assert.Equal(1000UL, spec.CacheMaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), spec.CacheTtl);
        Assert.Equal(["k", "value", "len"], spec.Lookup.Fields.Select(f => f.Name));
        Assert.Contains("lookup left join lookup: RedisLookup", left.Explain());

        var inner = Plan("SELECT counter FROM impulse A LEFT JOIN lookup B ON CAST(A.counter AS TEXT) = B.k WHERE B.len > 3;");
        Assert.Equal(JoinKind.Inner, inner.Graph.Nodes.Select(n => n.Operator).OfType<LookupJoinSpec>().Single().Kind);
    }

    [Theory]
    [InlineData("SELECT * FROM lookup B JOIN impulse A ON CAST(A.counter AS TEXT) = B.k;", "lookup tables must be on the right side of a join")]
    [InlineData("SELECT counter FROM impulse A FULL JOIN lookup B ON CAST(A.counter AS TEXT) = B.k;", "FULL join is not supported for lookup tables; must be a left or inner join")]
    [InlineData("SELECT counter FROM impulse A JOIN lookup B ON CAST(A.counter AS TEXT) = B.value;", "the right-side of a look-up join condition must be a PRIMARY KEY column, but 'value' is not")]
    [InlineData("SELECT counter FROM impulse A JOIN lookup B ON CAST(A.counter AS TEXT) = B.k AND A.counter > 3;", "filter join conditions are not supported for lookup joins")]
    [InlineData("SELECT counter FROM impulse A JOIN lookup B ON CAST(A.counter AS TEXT) = concat(B.k, 'x');", "invalid right-side condition for lookup join")]
    public void The_reference_rules_are_enforced(string query, string message) => Assert.Contains(message, Fails(query));

    [Fact]
    public void Redis_lookup_tables_need_their_key_as_the_primary_key_and_take_no_sink_options()
    {
        Assert.Contains("Redis lookup tables must have a PRIMARY KEY field defined as `field_name TEXT METADATA FROM 'key'`", Fails("""
            CREATE TEMPORARY TABLE other (k TEXT PRIMARY KEY, v TEXT) WITH (connector = 'redis', address = 'redis://localhost:6379', format = 'json');
            """));
        Assert.Contains("'target' is an option of redis sink tables", Fails("""
            CREATE TEMPORARY TABLE other (k TEXT METADATA FROM 'key' PRIMARY KEY, v TEXT)
              WITH (connector = 'redis', address = 'redis://localhost:6379', format = 'json', target = 'string');
            """));
        Assert.Contains("only one of `address` or `cluster.addresses` may be set", Fails("""
            CREATE TEMPORARY TABLE other (k TEXT METADATA FROM 'key' PRIMARY KEY, v TEXT)
              WITH (connector = 'redis', address = 'redis://a:6379', 'cluster.addresses' = 'redis://b:6379', format = 'json');
            """));
        Assert.Contains("'format' must be set for Redis connection", Fails("""
            CREATE TEMPORARY TABLE other (k TEXT METADATA FROM 'key' PRIMARY KEY, v TEXT) WITH (connector = 'redis', address = 'redis://a:6379');
            """));
        // cluster.addresses alone is enough (the planning-only list required address).
        Plan("""
            CREATE TEMPORARY TABLE other (k TEXT METADATA FROM 'key' PRIMARY KEY, v TEXT)
              WITH (connector = 'redis', 'cluster.addresses' = 'redis://a:6379,redis://b:6379', format = 'json');
            SELECT counter, o.v FROM impulse LEFT JOIN other o ON CAST(counter AS TEXT) = o.k;
            """);
    }
}
