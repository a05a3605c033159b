using System.Text;
using Arroyo.Connectors.Kafka;
using Arroyo.Execution;
using Arroyo.TestServers;
using Confluent.Kafka;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Kafka;

/// <summary>
/// The exactly-once sink's restore, step by step against the mock broker: a run that died after
/// checkpoint 1 was durable but before its commit is published by the restore's replay, and a
/// second replay of the same checkpoint (the commit went through) publishes nothing again.
/// </summary>
public sealed class TransactionalWriterTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    private static Message<byte[], byte[]> Message(string value) =>
        new() { Key = null!, Value = Encoding.UTF8.GetBytes(value), Timestamp = new Timestamp(1_700_000_000_000, TimestampType.CreateTime) };

    [Fact]
    public void A_commit_lost_in_a_crash_is_published_by_the_replay_and_only_once()
    {
        var topic = "tw-" + Guid.NewGuid().ToString("N")[..8];
        var config = new KafkaTableConfig("kafka", broker.BootstrapServers, topic) { ExactlyOnce = true };
        var settings = new RunSettings { PipelineId = "test-" + Guid.NewGuid().ToString("N")[..8] };
        var state = new MemoryState();

        var crashed = Context(settings: settings);
        byte[] preCommitted;
        using (var writer = new TransactionalWriter(new KafkaClients(config, "out", crashed), crashed))
        {
            writer.Open();
            foreach (var value in new[] { "a", "b", "c" }) writer.Add(Message(value));
            writer.Checkpoint(1, state);
            preCommitted = writer.PreCommit(1);
            // The process dies here: checkpoint 1 is durable, its commit never ran.
        }
        Assert.Empty(broker.ReadAll(topic));

        var replay = new CommitData(new Dictionary<int, byte[]> { [0] = preCommitted }, IsReplay: true);
        for (var restart = 0; restart < 2; restart++)
        {
            var restored = Context(settings: settings, state: state.ReaderFor(0, 1));
            using var writer = new TransactionalWriter(new KafkaClients(config, "out", restored), restored);
            writer.Open();
            writer.Commit(1, replay);
        }
        Assert.Equal(["a", "b", "c"], broker.ReadAll(topic).Select(r => r.Value));
    }
}
