using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Builtin.Blackhole;
using Arroyo.Dataflow.Serialization;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// The plan's JSON type information (every connector's config types) is built when a plan is
/// first written or compared, not by every planning: a plain run never needs it, and building
/// it was a few hundredths of a CPU-second of every start.
/// </summary>
public sealed class PlanJsonOnDemandTests
{
    private const string Tables = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10');
        CREATE TABLE out WITH (connector = 'counted_blackhole');

        """;

    private const string Counts = "SELECT counter % 7 AS k, count(*) AS n, tumble(interval '1 second') AS window FROM impulse GROUP BY 1, 3";

    /// <summary>A blackhole that counts how often the plan's JSON asked for its types.</summary>
    private sealed class CountingConnector : IConnector
    {
        private readonly BlackholeConnector _inner = new();

        public int JsonBuilds { get; private set; }

        public string Name => "counted_blackhole";

        public ConnectorRoles Roles => ((IConnector)_inner).Roles;

        public ConnectorTable Bind(TableDefinition definition) => _inner.Bind(definition);

        public void AddJsonTypes(PlanJson.Builder json)
        {
            JsonBuilds++;
            ((IConnector)_inner).AddJsonTypes(json);
        }
    }

    private static (PlannedPipeline Plan, CountingConnector Counter) Plan(string sql)
    {
        var counter = new CountingConnector();
        var plan = PipelinePlanner.Plan(Tables + sql, new PlanOptions { Connectors = BuiltIns.Connectors().Add(counter) });
        return (plan, counter);
    }

    [Fact]
    public void PlanningWithoutSharedSubplansBuildsNoJson_WritingThePlanBuildsItOnce()
    {
        var (plan, counter) = Plan($"INSERT INTO out SELECT k, n FROM ({Counts});");
        Assert.Equal(0, counter.JsonBuilds);
        var first = plan.ToJson();
        Assert.Equal(first, plan.ToJson());
        Assert.Equal(1, counter.JsonBuilds);
    }

    [Fact]
    public void ComparingSubplansBuildsTheJsonOnceAndThePlanReusesIt()
    {
        var (plan, counter) = Plan($"INSERT INTO out SELECT a.k, a.n FROM ({Counts}) a JOIN ({Counts}) b ON a.k = b.k AND a.window = b.window;");
        Assert.Equal(1, counter.JsonBuilds);
        Assert.NotEmpty(plan.ToJson());
        Assert.Equal(1, counter.JsonBuilds);
    }
}
