namespace Arroyo.Connectors.Kafka;

/// <summary>
/// The at-least-once kafka sink's producer: queues messages for one topic and learns of every
/// failed delivery. Two implementations: <see cref="NativeProducer"/> (librdkafka's C API, no
/// object per message) and <see cref="ConfluentProducer"/> (Confluent.Kafka, when librdkafka
/// cannot be called directly or the settings need Confluent.Kafka's handlers).
/// </summary>
/// <remarks>
/// Call order: <see cref="CheckTopic"/> once, then <see cref="Produce"/>, <see cref="Poll"/> and
/// <see cref="Flush"/> in any order, all from the one thread that owns the sink (delivery
/// reports and client errors are served inside these calls, on that thread), then Dispose.
/// </remarks>
internal interface ISinkProducer : IDisposable
{
    /// <summary>Waits until the topic's partitions are known; throws a clear error naming the brokers and the topic when they cannot be had.</summary>
    void CheckTopic();

    /// <summary>
    /// Queues one message (copied before this returns). A null key is <paramref name="hasKey"/>
    /// false; a timestamp of 0 means now. A full local queue is waited out. Returns librdkafka's
    /// reason when it refuses the message (e.g. larger than message.max.bytes), else null.
    /// </summary>
    string? Produce(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key, bool hasKey, long timestampMillis);

    /// <summary>Serves delivery reports and client errors without waiting.</summary>
    void Poll();

    /// <summary>Waits up to <paramref name="timeout"/> for every queued message's delivery; returns how many are still outstanding.</summary>
    int Flush(TimeSpan timeout);

    /// <summary>The first failed delivery's reason; null while every delivery succeeded.</summary>
    string? DeliveryFailure { get; }
}
