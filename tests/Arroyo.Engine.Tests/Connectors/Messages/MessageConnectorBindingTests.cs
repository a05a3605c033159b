using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Kinesis;
using Arroyo.Connectors.Nats;
using Arroyo.Connectors.RabbitMq;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Planner;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Messages;

/// <summary>
/// nats, rabbitmq, kinesis and fluvio tables bind every option of the reference's current
/// schemas with its defaults, keep secrets out of printed configs, and survive the plan's
/// JSON; names they never had are refused.
/// </summary>
public sealed class MessageConnectorBindingTests
{
    private static readonly Field[] s_columns = [new("value", DataType.Utf8)];

    [Fact]
    public void Every_nats_option_binds_with_the_reference_defaults()
    {
        var table = Bind("n", s_columns, ("connector", "nats"), ("servers", "a:4222,b:4222"), ("type", "source"), ("stream", "S"),
            ("auth.type", "credentials"), ("auth.username", "u"), ("auth.password", "secret-pw"),
            ("consumer.ack_policy", "All"), ("consumer.replay_policy", "original"), ("consumer.ack_wait", "7"),
            ("consumer.description", "d"), ("consumer.filter_subjects", "a.b, c.d"), ("consumer.sample_frequency", "30"),
            ("consumer.num_replicas", "3"), ("consumer.inactive_threshold", "60"), ("consumer.rate_limit", "1000"),
            ("consumer.max_ack_pending", "5"), ("consumer.max_deliver", "2"), ("consumer.max_waiting", "10"),
            ("consumer.max_batch", "100"), ("consumer.max_bytes", "2048"), ("consumer.max_expires", "9"), ("format", "raw_string"));
        var config = Assert.IsType<NatsTableConfig>(table.Config);
        Assert.Equal(("all", "original", 7L, 30L), (config.Consumer.AckPolicy, config.Consumer.ReplayPolicy, config.Consumer.AckWaitSeconds, config.Consumer.SampleFrequency));
        Assert.Equal(["a.b", "c.d"], config.Consumer.FilterSubjects);
        Assert.Equal("NatsSource<S>", table.Description);
        Assert.DoesNotContain("secret-pw", config.ToString());

        var defaults = Assert.IsType<NatsTableConfig>(Bind("n", s_columns, ("connector", "nats"), ("servers", "a:4222"), ("type", "source"), ("stream", "S")).Config);
        Assert.Equal(new NatsConsumerSettings(), defaults.Consumer);
        Assert.Equal((30L, 600L, -1L, 1_000_000L, 10_000L, 104_857_600L, 300_000L),
            (defaults.Consumer.AckWaitSeconds, defaults.Consumer.InactiveThresholdSeconds, defaults.Consumer.MaxAckPending, defaults.Consumer.MaxWaiting,
             defaults.Consumer.MaxBatch, defaults.Consumer.MaxBytes, defaults.Consumer.MaxExpiresSeconds));
    }

    [Fact]
    public void Nats_consumer_options_belong_to_jetstream_sources_only()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind("n", s_columns, ("connector", "nats"), ("servers", "a:1"), ("type", "sink"),
            ("subject", "x"), ("consumer.ack_policy", "all")));
        Assert.Contains("unknown options provided in WITH clause: 'consumer.ack_policy'", error.Message);
        // Names from older docs that the reference's code never read.
        foreach (var old in new[] { "connector_type", "auth.token", "nats.servers" })
        {
            Assert.ThrowsAny<UserException>(() => Bind("n", s_columns, ("connector", "nats"), ("servers", "a:1"), ("type", "source"), ("subject", "x"), (old, "v")));
        }
    }

    [Fact]
    public void Every_rabbitmq_option_binds_with_the_reference_defaults()
    {
        var table = Bind("r", s_columns, ("connector", "rabbitmq"), ("stream", "events"), ("type", "source"), ("host", "h"), ("port", "5553"),
            ("username", "u"), ("password", "secret-pw"), ("virtual_host", "/v"), ("load_balancer_mode", "true"), ("source.offset", "first"),
            ("tls_config.enabled", "true"), ("tls_config.trust_certificates", "false"), ("tls_config.root_certificates_path", "/ca.pem"),
            ("tls_config.client_certificates_path", "/c.pem"), ("tls_config.client_keys_path", "/k.pem"));
        var config = Assert.IsType<RabbitMqTableConfig>(table.Config);
        Assert.Equal(("h:5553", "/v", RabbitMqStartOffset.First, true), (config.Address, config.VirtualHost, config.StartOffset, config.LoadBalancerMode));
        Assert.DoesNotContain("secret-pw", config.ToString());
        Assert.Equal(ConnectorRoles.Source, table.SupportedRoles);

        var defaults = Assert.IsType<RabbitMqTableConfig>(Bind("r", s_columns, ("connector", "rabbitmq"), ("stream", "e"), ("type", "source")).Config);
        Assert.Equal(("localhost:5552", "guest", "guest", "/", RabbitMqStartOffset.Last),
            (defaults.Address, defaults.Username, defaults.Password, defaults.VirtualHost, defaults.StartOffset));
    }

    [Fact]
    public void Kinesis_options_bind_per_role_with_the_reference_defaults()
    {
        var sink = Assert.IsType<KinesisTableConfig>(Bind("k", s_columns, ("connector", "kinesis"), ("stream_name", "s"), ("type", "sink"),
            ("aws_region", "eu-west-1"), ("sink.flush_interval_millis", "50"), ("sink.max_bytes_per_batch", "1000"), ("sink.max_records_per_batch", "10")).Config);
        Assert.Equal(("eu-west-1", 50L, 1000L, 10L), (sink.Region, sink.FlushIntervalMillis, sink.MaxBytesPerBatch, sink.MaxRecordsPerBatch));
        var source = Assert.IsType<KinesisTableConfig>(Bind("k", s_columns, ("connector", "kinesis"), ("stream_name", "s"), ("type", "source")).Config);
        Assert.Equal((KinesisStartOffset.Latest, 1000L, 4_000_000L, 500L), (source.StartOffset, source.FlushIntervalMillis, source.MaxBytesPerBatch, source.MaxRecordsPerBatch));
        foreach (var old in new[] { "sink.batch_max_buffer_size", "sink.batch_flush_interval_millis", "sink.records_per_batch" })
        {
            var error = Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, ("connector", "kinesis"), ("stream_name", "s"), ("type", "sink"), (old, "1")));
            Assert.Contains($"'{old}'", error.Message);
        }
    }

    [Fact]
    public void Fluvio_validates_its_options_then_is_not_supported()
    {
        Assert.Contains("the fluvio connector is not supported in this build",
            Assert.ThrowsAny<UserException>(() => Bind("f", s_columns, ("connector", "fluvio"), ("topic", "t"), ("type", "sink"), ("endpoint", "e:9003"))).Message);
        Assert.Contains("Did you mean 'source.offset'?",
            Assert.ThrowsAny<UserException>(() => Bind("f", s_columns, ("connector", "fluvio"), ("topic", "t"), ("type", "source"), ("source.ofset", "earliest"))).Message);
        Assert.Contains("requires the option 'topic'",
            Assert.ThrowsAny<UserException>(() => Bind("f", s_columns, ("connector", "fluvio"), ("type", "source"))).Message);
    }

    [Fact]
    public void Plans_with_these_tables_read_back_from_json_unchanged()
    {
        var plan = PipelinePlanner.Plan("""
            CREATE TABLE n (value TEXT) WITH (connector = 'nats', servers = 'a:4222', type = 'source', stream = 'S', format = 'raw_string',
              consumer.filter_subjects = 'x.y');
            CREATE TABLE r (value TEXT) WITH (connector = 'rabbitmq', stream = 'events', type = 'source', format = 'raw_string');
            CREATE TABLE k (value TEXT) WITH (connector = 'kinesis', stream_name = 'in', type = 'source', format = 'raw_string');
            CREATE TABLE out_n WITH (connector = 'nats', servers = 'a:4222', type = 'sink', subject = 'o', format = 'json');
            CREATE TABLE out_k WITH (connector = 'kinesis', stream_name = 'out', type = 'sink', format = 'json', sink.max_records_per_batch = '20');
            INSERT INTO out_n SELECT value FROM n UNION ALL SELECT value FROM r;
            INSERT INTO out_k SELECT value FROM k;
            """, new PlanOptions { Connectors = BuiltIns.Connectors() });
        var json = plan.ToJson();
        Assert.Contains("\"$kind\":\"nats\"", json, StringComparison.Ordinal);
        Assert.Contains("\"$kind\":\"rabbitmq\"", json, StringComparison.Ordinal);
        Assert.Contains("\"$kind\":\"kinesis\"", json, StringComparison.Ordinal);
        var readBack = plan.Json.DeserializeGraph(json);
        Assert.Equal(json, plan.Json.Serialize(readBack));
    }
}
