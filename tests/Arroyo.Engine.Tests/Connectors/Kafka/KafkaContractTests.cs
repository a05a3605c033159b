using Arroyo.Engine.Tests.Connectors.Contract;
using Arroyo.TestServers;

namespace Arroyo.Engine.Tests.Connectors.Kafka;

/// <summary>
/// The connector contract for kafka against librdkafka's mock broker: the exactly-once sink
/// writes each row once across a stop and a restore, as a read_committed reader sees it. (The
/// source part needs a bounded source; the kafka source runs until stopped, and its restore at
/// another parallelism is tested end to end in Arroyo.EndToEnd.Tests/Kafka.)
/// </summary>
public sealed class KafkaContractTests(KafkaMockBrokerFixture broker) : ConnectorContractTests, IClassFixture<KafkaMockBrokerFixture>
{
    private readonly string _topic = "contract-" + Guid.NewGuid().ToString("N")[..8];

    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (x TEXT) WITH (connector = 'kafka', bootstrap_servers = 'localhost:9092', topic = 't', type = 'source', source.read_mod = 'read_committed')";

    protected override (string Written, string Meant) MisspelledOption => ("source.read_mod", "source.read_mode");

    protected override string SinkTable(string dir) =>
        $"CREATE TABLE out (counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED) WITH (connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', " +
        $"topic = '{_topic}', format = 'json', type = 'sink', sink.commit_mode = 'exactly_once')";

    protected override IReadOnlyList<string> SinkOutput(string dir) => broker.ReadAll(_topic).Select(r => r.Value).ToList();
}
