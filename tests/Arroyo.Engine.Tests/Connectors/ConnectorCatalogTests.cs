using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Builtin.Blackhole;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Planner;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>
/// Connectors added by name and factory are created when a table first names them, so a run
/// loads only the connector assemblies its query uses (start-up cost, issue #15); what a user
/// sees — unknown names, suggestions, option errors — is the same as for connectors added whole.
/// </summary>
public sealed class ConnectorCatalogTests
{
    private sealed class Counted
    {
        public int Created { get; private set; }

        public IConnector Create()
        {
            Created++;
            return new BlackholeConnector();
        }
    }

    [Fact]
    public void A_lazily_added_connector_is_created_when_a_table_names_it_and_only_once()
    {
        var counted = new Counted();
        var catalog = new ConnectorCatalog().Add("blackhole", counted.Create);
        Assert.Equal(0, counted.Created);
        Assert.False(catalog.IsCreated("blackhole"));
        Assert.Equal(["blackhole"], catalog.Names);

        var table = catalog.Bind(Table("out", [], ("connector", "blackhole")));
        Assert.Equal(TableRole.Sink, table.Role);
        catalog.Bind(Table("out2", [], ("connector", "BlackHole")));
        _ = catalog.RuntimeOf("blackhole");
        Assert.Equal(1, counted.Created);
        Assert.True(catalog.IsCreated("blackhole"));
    }

    [Fact]
    public void An_unknown_connector_gets_the_same_error_and_creates_nothing()
    {
        var counted = new Counted();
        var lazy = new ConnectorCatalog().Add("blackhole", counted.Create);
        var eager = new ConnectorCatalog().Add(new BlackholeConnector());
        var fromLazy = Assert.Throws<UserException>(() => lazy.Bind(Table("t", [], ("connector", "blackhol"))));
        var fromEager = Assert.Throws<UserException>(() => eager.Bind(Table("t", [], ("connector", "blackhol"))));
        Assert.Equal(fromEager.Message, fromLazy.Message);
        Assert.Equal(fromEager.Hint, fromLazy.Hint);
        Assert.Contains("Did you mean 'blackhole'?", fromLazy.Message);
        Assert.Equal(0, counted.Created);
    }

    [Fact]
    public void A_factory_creating_another_connector_than_registered_is_a_bug()
    {
        var catalog = new ConnectorCatalog().Add("kafka", () => new BlackholeConnector());
        var error = Assert.Throws<InvalidOperationException>(() => catalog.Bind(Table("t", [], ("connector", "kafka"))));
        Assert.Contains("this is a bug", error.Message);
        Assert.Throws<InvalidOperationException>(() => catalog.Add("KAFKA", () => new BlackholeConnector()));
    }

    [Fact]
    public void Planning_a_query_creates_only_the_connectors_it_names()
    {
        var catalog = BuiltIns.Connectors();
        PipelinePlanner.Plan("""
            CREATE TABLE n WITH (connector = 'nexmark', event_rate = '10', message_count = '1');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT bid.price FROM n WHERE bid IS NOT NULL;
            """, new PlanOptions { Connectors = catalog });
        string[] external = ["kafka", "confluent", "filesystem", "delta", "iceberg", "sse", "websocket", "polling_http", "webhook", "nats", "rabbitmq", "kinesis", "redis", "mqtt"];
        Assert.All(external, name => Assert.False(catalog.IsCreated(name), name));

        PipelinePlanner.Plan("""
            CREATE TABLE k (id BIGINT) WITH (connector = 'kafka', bootstrap_servers = 'localhost:9092', topic = 't', format = 'json', type = 'source');
            SELECT id FROM k;
            """, new PlanOptions { Connectors = catalog });
        Assert.True(catalog.IsCreated("kafka"));
        Assert.All(external.Where(n => n != "kafka"), name => Assert.False(catalog.IsCreated(name), name));
    }

    [Fact]
    public void A_lazily_created_connector_validates_its_options_as_before()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind("k", [new Field("id", DataType.Int64)],
            ("connector", "kafka"), ("bootstrap_servers", "localhost:9092"), ("topic", "t"), ("format", "json"), ("type", "source"), ("source.ofset", "earliest")));
        Assert.Contains("Did you mean 'source.offset'?", error.Message);
        Assert.StartsWith("Failed to create table k", error.Message);
    }

    [Fact]
    public void The_plan_json_creates_every_connector_so_any_plan_reads_back()
    {
        var catalog = BuiltIns.Connectors();
        catalog.CreatePlanJson();
        Assert.All(catalog.Names, name => Assert.True(catalog.IsCreated(name), name));
    }
}
