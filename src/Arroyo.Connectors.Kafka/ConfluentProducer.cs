using Confluent.Kafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// The at-least-once sink's producer through Confluent.Kafka: every message has a delivery
/// handler (Confluent.Kafka builds a report object per message on its poll thread), which is
/// how a failed delivery is seen. The fallback for <see cref="NativeProducer"/>.
/// </summary>
internal sealed class ConfluentProducer : ISinkProducer
{
    /// <summary>Confluent.Kafka's setting for what a delivery report carries besides its error.</summary>
    internal const string DeliveryReportFields = "dotnet.producer.delivery.report.fields";

    private readonly KafkaClients _clients;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private volatile string? _failure;

    /// <summary>
    /// One message, refilled for every record: Produce copies what it needs (librdkafka copies
    /// key and value, the delivery report carries none of them) before it returns. Its headers
    /// are an empty list set once, because without one Produce makes a new list per message; the
    /// byte-array serializers add no headers.
    /// </summary>
    private readonly Message<byte[], byte[]> _reused = new() { Headers = new Headers() };

    public ConfluentProducer(KafkaClients clients, ProducerConfig settings)
    {
        _clients = clients;
        _topic = clients.Config.Topic;
        // Only the report's error is read: without this, Confluent.Kafka asks librdkafka for every
        // delivered message's headers, timestamp and persistence status and builds objects for them.
        settings.Set(DeliveryReportFields, "none");
        _producer = clients.Producer(settings);
        _onDelivery = report =>
        {
            if (report.Error.IsError) _failure ??= report.Error.Reason;
        };
    }

    public string? DeliveryFailure => _failure;

    public void CheckTopic() => _clients.Partitions(_producer.Handle, KafkaClients.ConnectTimeout, Poll);

    public string? Produce(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key, bool hasKey, long timestampMillis)
    {
        var message = _reused;
        message.Key = hasKey ? key.ToArray() : null!;
        message.Value = value.ToArray();
        message.Timestamp = new Timestamp(timestampMillis, TimestampType.CreateTime);
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, _onDelivery);
                return null;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue is full: let librdkafka send some.
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                return e.Error.Reason;
            }
        }
    }

    public void Poll() => _producer.Poll(TimeSpan.Zero);

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose() => _producer.Dispose();
}
