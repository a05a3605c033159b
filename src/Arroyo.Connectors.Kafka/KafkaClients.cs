using Arroyo.Core.Errors;
using Arroyo.Execution;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// Builds librdkafka clients for a table and checks, before a run starts, that the broker
/// answers and the topic exists: within <see cref="ConnectTimeout"/> either the topic's
/// partitions are known or one error names the brokers, the topic and librdkafka's reason
/// (refused connection, failed authentication, unknown topic). librdkafka's own log goes to
/// the run's log (warnings and errors only).
/// </summary>
internal sealed class KafkaClients
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(25);

    private readonly KafkaTableConfig _config;
    private readonly string _table;
    private readonly OperatorContext _context;
    private volatile string? _lastError;
    private DateTime _nextWarning = DateTime.UtcNow + TimeSpan.FromSeconds(5);

    public KafkaClients(KafkaTableConfig config, string table, OperatorContext context)
    {
        _config = config;
        _table = table;
        _context = context;
    }

    public KafkaTableConfig Config => _config;

    /// <summary>The table's name, for messages.</summary>
    public string Table => _table;

    public T Settings<T>(T settings) where T : ClientConfig
    {
        settings.BootstrapServers = _config.BootstrapServers;
        foreach (var (key, value) in _config.ClientConfigs) settings.Set(key, value);
        return settings;
    }

    public IConsumer<byte[], byte[]> Consumer(ConsumerConfig settings) => Consumer(settings, Deserializers.ByteArray);

    /// <summary>A consumer whose message values are read by <paramref name="values"/> (called inside Consume, on the caller's thread).</summary>
    public IConsumer<byte[], TValue> Consumer<TValue>(ConsumerConfig settings, IDeserializer<TValue> values) =>
        new ConsumerBuilder<byte[], TValue>(Settings(settings))
            .SetValueDeserializer(values)
            .SetErrorHandler((_, e) => OnError(e))
            .SetLogHandler((_, m) => OnLog(m))
            .Build();

    public IProducer<byte[], byte[]> Producer(ProducerConfig settings) =>
        new ProducerBuilder<byte[], byte[]>(Settings(settings))
            .SetErrorHandler((_, e) => OnError(e))
            .SetLogHandler((_, m) => OnLog(m))
            .Build();

    /// <summary>The partition ids of the topic, asked through <paramref name="handle"/>'s connection; throws a clear error when they cannot be had.</summary>
    /// <remarks>librdkafka reports errors (refused connections, failed authentication) only while the client is served: <paramref name="serve"/> does that (a poll).</remarks>
    public IReadOnlyList<int> Partitions(Handle handle, TimeSpan timeout, Action serve)
    {
        using var admin = new DependentAdminClientBuilder(handle).Build();
        return Partitions(wait => admin.GetMetadata(_config.Topic, wait).Topics.FirstOrDefault(t => t.Topic == _config.Topic), timeout, serve);
    }

    /// <summary>
    /// The partition ids of the topic as <paramref name="metadata"/> reports it (null: no metadata
    /// for the topic; a <see cref="KafkaException"/>: the request failed), asked until it answers
    /// or <paramref name="timeout"/> passed; throws a clear error when they cannot be had.
    /// </summary>
    public IReadOnlyList<int> Partitions(Func<TimeSpan, TopicMetadata?> metadata, TimeSpan timeout, Action serve)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        string reason;
        while (true)
        {
            try
            {
                var topic = metadata(TimeSpan.FromSeconds(5));
                if (topic is not null && topic.Error.Code == ErrorCode.NoError && topic.Partitions.Count > 0)
                {
                    return topic.Partitions.Select(p => p.PartitionId).Order().ToArray();
                }
                if (topic?.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic)
                {
                    throw new ExternalException($"topic '{_config.Topic}' does not exist on the Kafka cluster at {_config.BootstrapServers} (table '{_table}')");
                }
                if (topic?.Error.Code is ErrorCode.TopicAuthorizationFailed)
                {
                    throw new ExternalException($"not authorized to access topic '{_config.Topic}' on the Kafka cluster at {_config.BootstrapServers} (table '{_table}')");
                }
                reason = _lastError ?? (topic is null ? "no metadata for the topic" : topic.Error.Reason);
            }
            catch (KafkaException e)
            {
                reason = _lastError ?? e.Error.Reason;
            }
            serve();
            reason = _lastError ?? reason;
            if (DateTime.UtcNow + delay >= deadline || IsAuthentication(reason))
            {
                throw new ExternalException($"cannot reach the Kafka cluster at {_config.BootstrapServers} for topic '{_config.Topic}' (table '{_table}'): {reason}");
            }
            Thread.Sleep(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>The last error librdkafka reported, for messages about a failed operation.</summary>
    public string? LastError => _lastError;

    private static bool IsAuthentication(string reason) =>
        reason.Contains("SASL", StringComparison.OrdinalIgnoreCase) || reason.Contains("authentication", StringComparison.OrdinalIgnoreCase);

    /// <summary>An error librdkafka reported for one of this table's clients (on the thread that serves the client).</summary>
    internal void OnError(Error error)
    {
        _lastError = error.Reason;
        // librdkafka retries on its own (a broker away for a while): say so now and then, not on every attempt.
        var now = DateTime.UtcNow;
        if (error.IsFatal || now >= _nextWarning)
        {
            _nextWarning = now + TimeSpan.FromSeconds(30);
            _context.Warn($"kafka client for table '{_table}' ({_config.BootstrapServers}): {error.Reason}");
        }
    }

    /// <summary>A debug line about this table's clients.</summary>
    internal void Debug(string message) =>
        _context.Settings.Logger.LogDebug("kafka table '{Table}': {Message}", _table, message);

    // librdkafka's own log repeats what the error callback reports; it is kept for debugging.
    internal void OnLog(LogMessage message) =>
        _context.Settings.Logger.LogDebug("librdkafka {Level}: {Message}", message.Level, message.Message);
}
