using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// Reads a Confluent.Kafka consumer's messages a batch at a time through librdkafka's
/// <c>rd_kafka_consume_batch_queue</c> on the consumer's queue, instead of one
/// <c>Consume</c> per message. Per message, <c>Consume</c> marshals librdkafka's message struct
/// into a managed copy, allocates a result, a message and a topic-partition-offset, and copies
/// key and value into managed arrays; here a message is read in place (its value decoded
/// straight from librdkafka's buffer) and released with the rest of its batch.
/// </summary>
/// <remarks>
/// Call order: <see cref="Read"/>, then <see cref="Message"/>/<see cref="Timestamp"/> for the
/// messages it returned, then <see cref="Release"/> (the next <see cref="Read"/> releases too).
/// Every message must be released before the consumer closes (librdkafka's destroy waits for
/// outstanding messages), so <see cref="Dispose"/> comes before the consumer's Close. Only
/// valid for a consumer that is assigned partitions, not subscribed: the batch call serves the
/// queue's callbacks (errors, logs) as a poll does, but a group rebalance is not expected here.
/// The client pointer is Confluent.Kafka's internal handle, read once by reflection: the
/// client exposes no batch API, and the pointer is librdkafka's public <c>rd_kafka_t</c>.
/// </remarks>
internal sealed unsafe partial class MessageBatches : IDisposable
{
    private const string Library = Librdkafka.Library;
    private const int PartitionEof = -191; // RD_KAFKA_RESP_ERR__PARTITION_EOF
    private const int Fatal = -150; // RD_KAFKA_RESP_ERR__FATAL

    private readonly SafeHandle _client;
    private readonly IntPtr _queue;
    private readonly IntPtr[] _messages;
    private int _count;
    private bool _disposed;

    /// <summary>librdkafka's <c>rd_kafka_message_t</c> (rdkafka.h), read in place.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeMessage
    {
        public int Error;
        public IntPtr Topic;
        public int Partition;
        public byte* Payload;
        public nuint Length;
        public byte* Key;
        public nuint KeyLength;
        public long Offset;
        public IntPtr Private;

        public readonly bool IsPartitionEof => Error == PartitionEof;

        public readonly bool IsFatal => Error == Fatal;

        /// <summary>The value, valid until the message is released; empty for a null value (see <see cref="HasValue"/>).</summary>
        public readonly ReadOnlySpan<byte> Value => new(Payload, checked((int)Length));

        public readonly bool HasValue => Payload != null;

        public readonly byte[]? KeyBytes => Key == null ? null : new ReadOnlySpan<byte>(Key, checked((int)KeyLength)).ToArray();

        /// <summary>For an error message: librdkafka's name of the error and its text (an error message's payload is its text).</summary>
        public readonly string ErrorText
        {
            get
            {
                var name = Librdkafka.ErrorText(Error);
                return Payload == null || Length == 0 ? name : $"{name}: {System.Text.Encoding.UTF8.GetString(Payload, checked((int)Length))}";
            }
        }
    }

    // librdkafka is resolved to the copy Confluent.Kafka loaded before any call from this type.
    static MessageBatches() => Librdkafka.Use();

    public MessageBatches(Handle handle, int capacity)
    {
        _client = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(handle) as SafeHandle
                  ?? throw new InvalidOperationException("Confluent.Kafka's client handle has no LibrdkafkaHandle (another client version?); this is a bug");
        var added = false;
        _client.DangerousAddRef(ref added);
        _queue = rd_kafka_queue_get_consumer(_client.DangerousGetHandle());
        if (_queue == IntPtr.Zero)
        {
            _client.DangerousRelease();
            throw new InvalidOperationException("librdkafka's client has no consumer queue; this is a bug");
        }
        _messages = new IntPtr[Math.Max(1, capacity)];
    }

    public int Capacity => _messages.Length;

    /// <summary>
    /// Releases the previous batch, then takes up to <paramref name="max"/> messages already
    /// fetched; with nothing fetched, waits up to <paramref name="waitMs"/> for some.
    /// </summary>
    public int Read(int max, int waitMs = 0)
    {
        Release();
        fixed (IntPtr* messages = _messages)
        {
            var got = rd_kafka_consume_batch_queue(_queue, waitMs, messages, (nuint)Math.Clamp(max, 1, _messages.Length));
            _count = (int)Math.Max(0, got);
        }
        return _count;
    }

    public ref readonly NativeMessage Message(int index) => ref *(NativeMessage*)_messages[index];

    /// <summary>The message's timestamp in milliseconds since the epoch, -1 when it has none.</summary>
    public long Timestamp(int index) => rd_kafka_message_timestamp(_messages[index], out _);

    public void Release()
    {
        for (var i = 0; i < _count; i++) rd_kafka_message_destroy(_messages[i]);
        _count = 0;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        rd_kafka_queue_destroy(_queue);
        _client.DangerousRelease();
    }

    // Signatures from librdkafka's rdkafka.h (2.16, the bundled librdkafka.redist).
    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_queue_get_consumer(IntPtr client);

    [LibraryImport(Library)]
    private static partial void rd_kafka_queue_destroy(IntPtr queue);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_consume_batch_queue(IntPtr queue, int timeoutMs, IntPtr* messages, nuint size);

    [LibraryImport(Library)]
    private static partial void rd_kafka_message_destroy(IntPtr message);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial long rd_kafka_message_timestamp(IntPtr message, out int type);
}
