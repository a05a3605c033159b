using System.Net;
using System.Net.Sockets;
using System.Text;
using Arroyo.Connectors.Kafka;
using Arroyo.Core.Errors;
using Arroyo.TestServers;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Kafka;

/// <summary>
/// The at-least-once sink's producers against the mock broker, one suite for both: the native
/// one over librdkafka's C API (what the sink uses) and Confluent.Kafka's (its fallback). Each
/// case runs on both and expects the same messages and the same failures.
/// </summary>
public sealed class SinkProducerTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    public static TheoryData<bool> Producers => new() { true, false };

    private static ISinkProducer Producer(string bootstrap, string topic, bool native, Dictionary<string, string>? clientConfigs = null)
    {
        var config = new KafkaTableConfig("kafka", bootstrap, topic) { ClientConfigs = clientConfigs ?? [] };
        var producer = KafkaSink.CreateProducer(new KafkaClients(config, "out", Context()), native);
        Assert.IsType(native ? typeof(NativeProducer) : typeof(ConfluentProducer), producer);
        return producer;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void The_native_producer_is_available_here()
    {
        // Otherwise every run of these tests would take the fallback twice and the sink would never use the C API.
        Assert.True(Librdkafka.Available);
    }

    [Theory]
    [MemberData(nameof(Producers))]
    public void Keys_values_and_timestamps_arrive_as_given(bool native)
    {
        var topic = "producer-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = Producer(broker.BootstrapServers, topic, native))
        {
            producer.CheckTopic();
            // A key, no key, an empty key (not the same as none), an empty value; timestamps in milliseconds.
            Assert.Null(producer.Produce(Bytes("{\"a\":1}"), Bytes("k1"), hasKey: true, 1_700_000_000_001));
            Assert.Null(producer.Produce(Bytes("{\"a\":2}"), default, hasKey: false, 1_700_000_000_002));
            Assert.Null(producer.Produce(Bytes("{\"a\":3}"), Bytes(""), hasKey: true, 1_700_000_000_003));
            Assert.Null(producer.Produce(Bytes(""), Bytes("k4"), hasKey: true, 1_700_000_000_004));
            producer.Poll();
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            Assert.Null(producer.DeliveryFailure);
        }
        var read = broker.ReadAll(topic).OrderBy(r => r.TimestampMillis).Select(r => (r.Key, r.Value, r.TimestampMillis));
        Assert.Equal([("k1", "{\"a\":1}", 1_700_000_000_001L), (null, "{\"a\":2}", 1_700_000_000_002L),
            ("", "{\"a\":3}", 1_700_000_000_003L), ("k4", "", 1_700_000_000_004L)], read);
    }

    [Theory]
    [MemberData(nameof(Producers))]
    public void Many_messages_past_a_full_local_queue_all_arrive(bool native)
    {
        var topic = "producer-many-" + Guid.NewGuid().ToString("N")[..8];
        // A queue of 100 messages: producing 2 000 waits on it many times.
        using (var producer = Producer(broker.BootstrapServers, topic, native, new() { ["queue.buffering.max.messages"] = "100" }))
        {
            producer.CheckTopic();
            for (var i = 0; i < 2000; i++) Assert.Null(producer.Produce(Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), default, false, 0));
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            Assert.Null(producer.DeliveryFailure);
        }
        Assert.Equal(Enumerable.Range(0, 2000), broker.ReadAll(topic).Select(r => int.Parse(r.Value, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Theory]
    [MemberData(nameof(Producers))]
    public void A_failed_delivery_is_reported_with_its_reason(bool native)
    {
        // No broker answers, and messages expire after 100 ms: librdkafka fails their delivery.
        using var producer = Producer($"127.0.0.1:{ClosedPort()}", "nowhere", native, new() { ["message.timeout.ms"] = "100" });
        Assert.Null(producer.Produce(Bytes("lost"), default, false, 0));
        // Bounded by the expiry, not timed: the flush ends once the message's report was served.
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
        }
        Assert.Contains("timed out", producer.DeliveryFailure);
    }

    [Theory]
    [MemberData(nameof(Producers))]
    public void A_message_larger_than_message_max_bytes_is_refused_with_the_reason(bool native)
    {
        var topic = "producer-large-" + Guid.NewGuid().ToString("N")[..8];
        using var producer = Producer(broker.BootstrapServers, topic, native, new() { ["message.max.bytes"] = "1000" });
        producer.CheckTopic();
        var refused = producer.Produce(new byte[5000], default, false, 0);
        Assert.NotNull(refused);
        Assert.Contains("too large", refused, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_setting_librdkafka_refuses_is_a_user_error_naming_it()
    {
        var config = new KafkaTableConfig("kafka", broker.BootstrapServers, "t") { ClientConfigs = new Dictionary<string, string> { ["linger.mss"] = "5" } };
        var error = Assert.Throws<UserException>(() => new NativeProducer(new KafkaClients(config, "out", Context()), config.ClientConfigs));
        Assert.Contains("'linger.mss' of table 'out'", error.Message);
    }

    [Fact]
    public void Oauthbearer_settings_take_the_confluent_producer()
    {
        Assert.True(NativeProducer.Supports([new("acks", "all")]));
        Assert.False(NativeProducer.Supports([new("sasl.mechanism", "OAUTHBEARER")]));
        Assert.False(NativeProducer.Supports([new("sasl.oauthbearer.method", "oidc")]));
    }
}
