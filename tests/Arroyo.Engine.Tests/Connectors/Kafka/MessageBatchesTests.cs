using System.Text;
using Arroyo.Connectors.Kafka;
using Arroyo.TestServers;
using Confluent.Kafka;

namespace Arroyo.Engine.Tests.Connectors.Kafka;

/// <summary>
/// The source's batch read (librdkafka's batch consume on the consumer's queue) against the mock
/// broker: every message comes once with the partition, offset, key, value and timestamp a
/// per-message Consume sees, batches are limited to what was asked, and released messages let
/// the consumer close.
/// </summary>
public sealed class MessageBatchesTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    [Fact]
    public void Reads_every_message_with_its_partition_offset_key_value_and_timestamp()
    {
        var topic = "batches-" + Guid.NewGuid().ToString("N")[..8];
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        broker.Produce(topic, Enumerable.Range(0, 50).Select(i => $"value-{i}"), timestamp: i => start.AddSeconds(i), key: "k");
        var expected = broker.ReadAll(topic, readCommitted: false)
            .Select(r => (r.Partition, r.Offset, r.Key, r.Value, r.TimestampMillis))
            .OrderBy(r => r.Partition).ThenBy(r => r.Offset).ToList();
        Assert.Equal(50, expected.Count);

        var settings = new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "batches", EnableAutoCommit = false, EnablePartitionEof = false };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(settings).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, KafkaMockBrokerFixture.PartitionsPerTopic).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var got = new List<(int, long, string?, string, long)>();
        using (var batches = new MessageBatches(consumer.Handle, 7))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (got.Count < expected.Count && DateTime.UtcNow < deadline)
            {
                var count = batches.Read(batches.Capacity, waitMs: 100);
                Assert.InRange(count, 0, 7);
                for (var i = 0; i < count; i++)
                {
                    ref readonly var m = ref batches.Message(i);
                    Assert.Equal(0, m.Error);
                    var key = m.KeyBytes is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
                    got.Add((m.Partition, m.Offset, key, Encoding.UTF8.GetString(m.Value), batches.Timestamp(i)));
                }
            }
            // Nothing more, and nothing twice.
            Assert.Equal(0, batches.Read(batches.Capacity));
        }
        consumer.Close();
        Assert.Equal(expected, got.OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList());
    }
}
