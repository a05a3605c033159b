using Arroyo.Connectors.Builtin.Blackhole;
using Arroyo.Connectors.Builtin.Fluvio;
using Arroyo.Connectors.Builtin.Impulse;
using Arroyo.Connectors.Builtin.Nexmark;
using Arroyo.Connectors.Builtin.Preview;
using Arroyo.Connectors.Builtin.SingleFile;
using Arroyo.Connectors.Builtin.Stdout;
using Arroyo.Connectors.Filesystem;
using Arroyo.Connectors.Filesystem.Delta;
using Arroyo.Connectors.Filesystem.Iceberg;
using Arroyo.Connectors;
using Arroyo.Connectors.Kafka;
using Arroyo.Connectors.Http.PollingHttp;
using Arroyo.Connectors.Http.Sse;
using Arroyo.Connectors.Http.Webhook;
using Arroyo.Connectors.Http.Websocket;
using Arroyo.Connectors.Kinesis;
using Arroyo.Connectors.Nats;
using Arroyo.Connectors.RabbitMq;
using Arroyo.Connectors.Mqtt;
using Arroyo.Connectors.Redis;
using Arroyo.Execution;
using Arroyo.Expressions;
using Arroyo.Operators;

namespace Arroyo.Cli.Composition;

/// <summary>
/// The composition root: every connector and operator this build ships, in one place. A new
/// connector project is added here and nowhere else; the planner and the runtime only see the
/// instances built here.
/// </summary>
public static class BuiltIns
{
    /// <summary>Every connector by name; bare SELECTs print through <c>stdout</c>.</summary>
    public static ConnectorCatalog Connectors()
    {
        // The built-in connectors' assembly is loaded anyway (stdout, blackhole); every other
        // connector is created when a table names it, so its assembly and dependencies load
        // only then (ten of them cost a run that names none 10-20 ms of start-up).
        var catalog = new ConnectorCatalog()
            .Add(new ImpulseConnector())
            .Add(new NexmarkConnector())
            .Add(new SingleFileConnector())
            .Add(new StdoutConnector())
            .Add(new BlackholeConnector())
            .Add("kafka", () => KafkaConnector.Kafka)
            .Add("confluent", () => KafkaConnector.Confluent)
            .Add("filesystem", () => new FilesystemConnector())
            .Add("delta", () => new DeltaConnector())
            .Add("sse", () => new SseConnector())
            .Add("websocket", () => new WebsocketConnector())
            .Add("polling_http", () => new PollingHttpConnector())
            .Add("webhook", () => new WebhookConnector())
            .Add("nats", () => new NatsConnector())
            .Add("rabbitmq", () => new RabbitMqConnector())
            .Add("kinesis", () => new KinesisConnector())
            .Add(new FluvioConnector())
            .Add("redis", () => new RedisConnector())
            .Add("mqtt", () => new MqttConnector())
            .Add("iceberg", () => new IcebergConnector())
            .Add(new PreviewConnector());
        return catalog.WithSelectOutput(StdoutConnector.ConnectorName);
    }

    /// <summary>Every built-in function: scalar, aggregate and window registries (user functions are added to these).</summary>
    public static FunctionLibrary Functions() => FunctionLibrary.CreateBuiltins();

    /// <summary>The factories the runtime builds subtasks with: operators, then the connectors' sources and sinks.</summary>
    public static OperatorRegistry Operators(ConnectorCatalog connectors)
    {
        var registry = new OperatorRegistry();
        StatelessOperators.Register(registry);
        OperatorsModule.Register(registry);
        connectors.RegisterFactories(registry);
        return registry;
    }
}
