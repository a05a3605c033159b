using System.Runtime.InteropServices;
using Arroyo.Core.Errors;
using Confluent.Kafka;
using static Arroyo.Connectors.Kafka.Librdkafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// The at-least-once sink's producer over librdkafka's C API, on the librdkafka
/// Confluent.Kafka loaded. Through Confluent.Kafka every message with a delivery handler costs a
/// GCHandle, the handler call and a report and a message object built on its poll thread, which
/// made the reports cost more than the rest of the pipeline. Here librdkafka reports only failed
/// deliveries (<c>delivery.report.only.error</c>) to a static callback that reads the error code;
/// a delivered message costs nothing after its produce, and values go to librdkafka straight from
/// the caller's buffer (copied by librdkafka, no array per message).
/// </summary>
/// <remarks>
/// Reports, client errors and logs reach this object through librdkafka's opaque, a GCHandle
/// freed only after <c>rd_kafka_destroy</c> returned (no callback runs after that). Reports and
/// errors are served inside <see cref="Poll"/>, <see cref="Flush"/> and a produce that waits on a
/// full queue, on the sink's thread; logs come from librdkafka's own threads.
/// </remarks>
internal sealed unsafe class NativeProducer : ISinkProducer
{
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private const int ConfigOk = 0; // RD_KAFKA_CONF_OK
    private const int QueueFull = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL
    private const int Fatal = -150; // RD_KAFKA_RESP_ERR__FATAL
    private const int CopyFlag = 2; // RD_KAFKA_MSG_F_COPY
    private const int UnassignedPartition = -1; // RD_KAFKA_PARTITION_UA: the partitioner picks

    // Produce arguments: topic, partition, flags, value, timestamp, then the key when there is one.
    private const int ValueArgument = 3;
    private const int TimestampArgument = 4;
    private const int KeyArgument = 5;

    /// <summary>Where an empty key or value points: librdkafka reads a null pointer as a null key or value, an empty one is not.</summary>
    private static readonly byte* s_empty = (byte*)NativeMemory.AllocZeroed(1);

    private readonly KafkaClients _clients;
    private GCHandle _self;
    private IntPtr _client;
    private IntPtr _topic;
    private ProduceArgument* _arguments;
    private string? _failure;

    /// <summary>Whether the native producer can take these settings: librdkafka is callable, and no setting needs a Confluent.Kafka handler (OAUTHBEARER tokens).</summary>
    public static bool Supports(IEnumerable<KeyValuePair<string, string>> settings) =>
        Available && !settings.Any(s => s.Key.StartsWith("sasl.oauthbearer", StringComparison.Ordinal) ||
                                        (s.Key is "sasl.mechanism" or "sasl.mechanisms" && s.Value.Contains("OAUTHBEARER", StringComparison.OrdinalIgnoreCase)));

    /// <summary>A producer with <paramref name="settings"/> (Confluent.Kafka's <c>dotnet.*</c> keys skipped); a setting librdkafka refuses is a user error naming it.</summary>
    public NativeProducer(KafkaClients clients, IEnumerable<KeyValuePair<string, string>> settings)
    {
        _clients = clients;
        _self = GCHandle.Alloc(this);
        var conf = rd_kafka_conf_new();
        var error = stackalloc byte[512];
        try
        {
            // Only failed deliveries are reported: the callback has nothing to do for the others.
            Set(conf, "delivery.report.only.error", "true", error);
            foreach (var (key, value) in settings)
            {
                // Confluent.Kafka's own settings, which it strips before librdkafka sees them.
                if (key.StartsWith("dotnet.", StringComparison.Ordinal) || key == "cancellation.delay.max.ms") continue;
                Set(conf, key, value, error);
            }
            rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(_self));
            rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery);
            rd_kafka_conf_set_error_cb(conf, &OnError);
            rd_kafka_conf_set_log_cb(conf, &OnLog);
        }
        catch
        {
            rd_kafka_conf_destroy(conf);
            _self.Free();
            throw;
        }
        // On success rd_kafka_new owns conf; on failure it is still ours.
        _client = rd_kafka_new(ProducerType, conf, error, 512);
        if (_client == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            _self.Free();
            throw new UserException($"cannot create a Kafka producer for table '{clients.Table}': {Text(new ReadOnlySpan<byte>(error, 512))}");
        }
        _topic = rd_kafka_topic_new(_client, clients.Config.Topic, IntPtr.Zero);
        _arguments = (ProduceArgument*)NativeMemory.AllocZeroed(6, (nuint)sizeof(ProduceArgument));
        _arguments[0] = new ProduceArgument { Type = ProduceArgument.Rkt, Pointer = _topic };
        _arguments[1] = new ProduceArgument { Type = ProduceArgument.Partition, Int32 = UnassignedPartition };
        _arguments[2] = new ProduceArgument { Type = ProduceArgument.MessageFlags, Int32 = CopyFlag };
        _arguments[ValueArgument].Type = ProduceArgument.Value;
        _arguments[TimestampArgument].Type = ProduceArgument.Timestamp;
        _arguments[KeyArgument].Type = ProduceArgument.Key;
    }

    private void Set(IntPtr conf, string key, string value, byte* error)
    {
        // librdkafka's reason names the setting, and for a typed setting the value (never a password's: those are free text).
        if (rd_kafka_conf_set(conf, key, value, error, 512) != ConfigOk)
        {
            throw new UserException($"kafka client setting '{key}' of table '{_clients.Table}': {Text(new ReadOnlySpan<byte>(error, 512))}");
        }
    }

    public string? DeliveryFailure => _failure;

    public void CheckTopic() => _clients.Partitions(TopicMetadata, KafkaClients.ConnectTimeout, Poll);

    /// <summary>The topic's metadata through this client's connection; null when the broker sent none for it.</summary>
    private Confluent.Kafka.TopicMetadata? TopicMetadata(TimeSpan timeout)
    {
        Librdkafka.Metadata* metadata = null;
        var code = rd_kafka_metadata(_client, 0, _topic, &metadata, (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
        if (code != 0) throw new KafkaException((ErrorCode)code);
        try
        {
            if (metadata->TopicCount == 0) return null;
            var topic = metadata->Topics[0];
            var partitions = new List<PartitionMetadata>(topic.PartitionCount);
            for (var i = 0; i < topic.PartitionCount; i++)
            {
                var partition = topic.Partitions[i];
                partitions.Add(new PartitionMetadata(partition.Id, partition.Leader, [], [], new Error((ErrorCode)partition.Error)));
            }
            return new Confluent.Kafka.TopicMetadata(Marshal.PtrToStringUTF8(topic.Name), partitions, new Error((ErrorCode)topic.Error));
        }
        finally
        {
            rd_kafka_metadata_destroy(metadata);
        }
    }

    public string? Produce(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key, bool hasKey, long timestampMillis)
    {
        fixed (byte* v = value)
        fixed (byte* k = key)
        {
            var arguments = _arguments;
            arguments[ValueArgument].Pointer = (IntPtr)(v == null ? s_empty : v);
            arguments[ValueArgument].Size = (nuint)value.Length;
            arguments[TimestampArgument].Int64 = timestampMillis;
            arguments[KeyArgument].Pointer = (IntPtr)(k == null ? s_empty : k);
            arguments[KeyArgument].Size = (nuint)key.Length;
            var count = (nuint)(hasKey ? KeyArgument + 1 : KeyArgument);
            while (true)
            {
                var error = rd_kafka_produceva(_client, arguments, count);
                if (error == IntPtr.Zero) return null;
                var code = rd_kafka_error_code(error);
                var reason = code == QueueFull ? null : Marshal.PtrToStringUTF8(rd_kafka_error_string(error)) ?? ErrorText(code);
                rd_kafka_error_destroy(error);
                if (reason is not null) return reason;
                // The local queue is full: serve reports while librdkafka sends some.
                rd_kafka_poll(_client, 50);
            }
        }
    }

    public void Poll() => rd_kafka_poll(_client, 0);

    public int Flush(TimeSpan timeout)
    {
        rd_kafka_flush(_client, (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
        return rd_kafka_outq_len(_client);
    }

    public void Dispose()
    {
        if (_client == IntPtr.Zero) return;
        rd_kafka_topic_destroy(_topic);
        rd_kafka_destroy(_client);
        _client = IntPtr.Zero;
        _topic = IntPtr.Zero;
        NativeMemory.Free(_arguments);
        _arguments = null;
        _self.Free();
    }

    private static NativeProducer? Of(IntPtr opaque) => opaque == IntPtr.Zero ? null : GCHandle.FromIntPtr(opaque).Target as NativeProducer;

    // An exception must not leave a callback (it would end the process): each does only what cannot throw, or catches.
    [UnmanagedCallersOnly]
    private static void OnDelivery(IntPtr client, int* message, IntPtr opaque)
    {
        // rd_kafka_message_t starts with its error code; with delivery.report.only.error only failures come here.
        var code = *message;
        if (code == 0 || Of(opaque) is not { } self) return;
        self._failure ??= ErrorText(code);
    }

    [UnmanagedCallersOnly]
    private static void OnError(IntPtr client, int code, byte* reason, IntPtr opaque)
    {
        try
        {
            if (Of(opaque) is not { } self) return;
            var fatal = code == Fatal;
            string text;
            if (fatal)
            {
                // The error that made the client unusable (e.g. the idempotent producer's sequence lost).
                var buffer = stackalloc byte[512];
                code = rd_kafka_fatal_error(client, buffer, 512);
                text = Text(new ReadOnlySpan<byte>(buffer, 512));
            }
            else
            {
                text = Marshal.PtrToStringUTF8((IntPtr)reason) ?? ErrorText(code);
            }
            self._clients.OnError(new Error((ErrorCode)code, text, fatal));
        }
        catch (Exception)
        {
            // A warning that could not be logged; the failure itself still surfaces through produce or a report.
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLog(IntPtr client, int level, byte* facility, byte* message)
    {
        try
        {
            if (Of(rd_kafka_opaque(client)) is not { } self) return;
            self._clients.OnLog(new LogMessage(Marshal.PtrToStringUTF8(rd_kafka_name(client)) ?? "", (SyslogLevel)level,
                Marshal.PtrToStringUTF8((IntPtr)facility) ?? "", Marshal.PtrToStringUTF8((IntPtr)message) ?? ""));
        }
        catch (Exception)
        {
            // librdkafka's log is for debugging only.
        }
    }
}
