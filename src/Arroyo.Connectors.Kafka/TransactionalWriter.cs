using System.Buffers.Binary;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Confluent.Kafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// The exactly-once sink of one subtask. Messages written between barriers are kept, and at
/// the barrier of epoch N the ones not yet published go into checkpoint N's state (pre-commit:
/// durable with the checkpoint, not yet visible). When checkpoint N's manifest is durable they
/// are produced in one Kafka transaction, together with a marker (the offset N committed for
/// the subtask's commit group, <see cref="MarkerGroup"/>) in the same transaction, and the
/// transaction is committed. A read_committed consumer sees all of them or none.
/// </summary>
/// <remarks>
/// librdkafka cannot take over a transaction another process began, so nothing is left open
/// across a barrier: a transaction is begun and committed inside one commit. Restore replays
/// the restored checkpoint's commit: for every subtask of the run that took it (each handled
/// by subtask old mod new parallelism) the producer of that subtask's transactional id is
/// initialised, which fences the old process and aborts a transaction it left open; then the
/// marker group says whether its commit went through, and if not its saved messages are
/// produced and committed again. Transactional ids and groups are
/// <c>arroyo-{pipeline}-{node}-{topic}-{subtask}</c>, stable across restarts of one state dir.
/// </remarks>
internal sealed class TransactionalWriter : IDisposable
{
    private const string StateTable = "kt";
    private static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(30);

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("subtask", DataType.Int32, false),
        new Field("epoch", DataType.Int64, false),
        new Field("key", DataType.Binary, true),
        new Field("value", DataType.Binary, false),
        new Field("timestamp", DataType.Int64, false),
    ]);

    private readonly KafkaClients _clients;
    private readonly OperatorContext _context;
    private readonly KafkaTableConfig _config;
    private readonly Dictionary<int, IProducer<byte[], byte[]>> _producers = [];
    private readonly Dictionary<int, IConsumer<byte[], byte[]>> _markerConsumers = [];

    // Messages since the last barrier, and those of earlier barriers not published yet (epoch order).
    private List<Message<byte[], byte[]>> _current = [];
    private readonly SortedDictionary<long, List<Message<byte[], byte[]>>> _unpublished = [];

    // Restored: the saved messages of each subtask of the run that took the restored checkpoint.
    private readonly Dictionary<int, List<Message<byte[], byte[]>>> _restored = [];

    public TransactionalWriter(KafkaClients clients, OperatorContext context)
    {
        _clients = clients;
        _context = context;
        _config = clients.Config;
    }

    private string Base => $"arroyo-{_context.Settings.PipelineId}-{_context.NodeId}-{_config.Topic}";

    private string TransactionalId(int subtask) => $"{Base}-{subtask}";

    private string MarkerGroup(int subtask) => $"{Base}-{subtask}-commits";

    public void Open()
    {
        foreach (var batch in _context.State.ReadTable(StateTable, allRows: true))
        {
            var subtasks = (PrimitiveColumn<int>)batch.Columns[1];
            var keys = (StringColumn)batch.Columns[3];
            var values = (StringColumn)batch.Columns[4];
            var times = (PrimitiveColumn<long>)batch.Columns[5];
            for (var r = 0; r < batch.RowCount; r++)
            {
                var subtask = subtasks[r];
                if (subtask % _context.Parallelism != _context.SubtaskIndex) continue;
                if (!_restored.TryGetValue(subtask, out var list)) _restored[subtask] = list = [];
                list.Add(new Message<byte[], byte[]>
                {
                    Key = keys.IsNull(r) ? null! : keys.GetBytes(r).ToArray(),
                    Value = values.GetBytes(r).ToArray(),
                    Timestamp = new Timestamp(times[r], TimestampType.CreateTime),
                });
            }
        }
        var producer = Producer(_context.SubtaskIndex);
        _clients.Partitions(producer.Handle, KafkaClients.ConnectTimeout, () => producer.Poll(TimeSpan.Zero));
    }

    /// <summary>The transactional producer of <paramref name="subtask"/>'s id, initialised (which fences an older holder of the id).</summary>
    private IProducer<byte[], byte[]> Producer(int subtask)
    {
        if (_producers.TryGetValue(subtask, out var producer)) return producer;
        producer = _clients.Producer(new ProducerConfig
        {
            TransactionalId = TransactionalId(subtask),
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            TransactionTimeoutMs = (int)TransactionTimeout.TotalMilliseconds,
        });
        try
        {
            producer.InitTransactions(KafkaClients.ConnectTimeout);
        }
        catch (KafkaException e)
        {
            producer.Dispose();
            throw new ExternalException($"cannot start a transaction on the Kafka cluster at {_config.BootstrapServers} for topic '{_config.Topic}' (transactional id {TransactionalId(subtask)}): {_clients.LastError ?? e.Error.Reason}");
        }
        _producers[subtask] = producer;
        return producer;
    }

    private IConsumer<byte[], byte[]> MarkerConsumer(int subtask)
    {
        if (!_markerConsumers.TryGetValue(subtask, out var consumer))
        {
            consumer = _clients.Consumer(new ConsumerConfig { GroupId = MarkerGroup(subtask), EnableAutoCommit = false });
            _markerConsumers[subtask] = consumer;
        }
        return consumer;
    }

    private TopicPartition MarkerPartition => new(_config.Topic, 0);

    public void Add(Message<byte[], byte[]> message) => _current.Add(message);

    public void Checkpoint(long epoch, IStateWriter state)
    {
        if (_current.Count > 0)
        {
            _unpublished[epoch] = _current;
            _current = [];
        }
        var rows = _unpublished.Sum(e => e.Value.Count);
        if (rows == 0) return;
        var keys = new StringColumnBuilder(DataType.Binary, rows);
        var values = new StringColumnBuilder(DataType.Binary, rows);
        var epochs = new long[rows];
        var times = new long[rows];
        var i = 0;
        foreach (var (e, messages) in _unpublished)
        {
            foreach (var message in messages)
            {
                if (message.Key is null) keys.AppendNull();
                else keys.Append(message.Key);
                values.Append(message.Value);
                epochs[i] = e;
                times[i] = message.Timestamp.UnixTimestampMs;
                i++;
            }
        }
        var subtask = _context.SubtaskIndex;
        var hash = new ulong[rows];
        Array.Fill(hash, (ulong)subtask);
        var subtasks = new int[rows];
        Array.Fill(subtasks, subtask);
        state.WriteTable(StateTable, new Batch(s_stateSchema,
        [
            new PrimitiveColumn<ulong>(DataType.UInt64, hash),
            new PrimitiveColumn<int>(DataType.Int32, subtasks),
            new PrimitiveColumn<long>(DataType.Int64, epochs),
            keys.Build(),
            values.Build(),
            new PrimitiveColumn<long>(DataType.Int64, times),
        ], rows));
    }

    /// <summary>Names this subtask in the commit data, so a restore knows every subtask of the run.</summary>
    public byte[] PreCommit(long epoch)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, _context.SubtaskIndex);
        return bytes;
    }

    public void Commit(long epoch, CommitData data)
    {
        if (data.IsReplay)
        {
            Replay(epoch, data);
            return;
        }
        var messages = _unpublished.Where(e => e.Key <= epoch).SelectMany(e => e.Value).ToList();
        Publish(_context.SubtaskIndex, epoch, messages);
        foreach (var e in _unpublished.Keys.Where(e => e <= epoch).ToList()) _unpublished.Remove(e);
    }

    private void Replay(long epoch, CommitData data)
    {
        var subtasks = data.BySubtask.Keys.Concat(_restored.Keys).Where(s => s % _context.Parallelism == _context.SubtaskIndex).Distinct().Order();
        foreach (var subtask in subtasks)
        {
            // Initialising the old id's producer aborts whatever its last process left open.
            Producer(subtask);
            var messages = _restored.GetValueOrDefault(subtask) ?? [];
            if (messages.Count == 0) continue;
            var committed = CommittedMarker(subtask);
            if (committed >= epoch)
            {
                _context.Log($"checkpoint {epoch}: the transaction of subtask {subtask} was committed before the restart");
                continue;
            }
            _context.Log($"checkpoint {epoch}: publishing {messages.Count} messages of subtask {subtask} again (its transaction was not committed)");
            Publish(subtask, epoch, messages);
        }
        _restored.Clear();
        // Producers of other runs' ids were only needed to fence them.
        foreach (var subtask in _producers.Keys.Where(s => s != _context.SubtaskIndex).ToList())
        {
            _producers.Remove(subtask, out var producer);
            producer!.Dispose();
        }
    }

    private long CommittedMarker(int subtask)
    {
        try
        {
            var offset = MarkerConsumer(subtask).Committed([MarkerPartition], KafkaClients.ConnectTimeout)[0].Offset;
            return offset.IsSpecial ? -1 : offset.Value;
        }
        catch (KafkaException e)
        {
            throw new ExternalException($"cannot read the commit marker of group {MarkerGroup(subtask)} from {_config.BootstrapServers}: {e.Error.Reason}");
        }
    }

    /// <summary>Produces <paramref name="messages"/> and the marker for <paramref name="epoch"/> in one transaction of <paramref name="subtask"/>'s id, and commits it.</summary>
    private void Publish(int subtask, long epoch, List<Message<byte[], byte[]>> messages)
    {
        if (messages.Count == 0) return;
        var producer = Producer(subtask);
        try
        {
            producer.BeginTransaction();
            foreach (var message in messages) Produce(producer, message);
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(MarkerPartition, epoch)],
                MarkerConsumer(subtask).ConsumerGroupMetadata, KafkaClients.ConnectTimeout);
            CommitTransaction(producer);
            _context.Log($"checkpoint {epoch}: committed {messages.Count} messages to {_config.Topic} (transactional id {TransactionalId(subtask)})");
        }
        catch (KafkaException e)
        {
            throw new ExternalException($"committing the transaction of checkpoint {epoch} to {_config.Topic} at {_config.BootstrapServers} failed: {e.Error.Reason}");
        }
        // Also outside the transaction: brokers that do not keep transactional offset commits
        // (librdkafka's mock cluster) still answer the restore's question. Committed already when this runs.
        try
        {
            MarkerConsumer(subtask).Commit([new TopicPartitionOffset(MarkerPartition, epoch)]);
        }
        catch (KafkaException e)
        {
            _context.Warn($"could not record commit marker {epoch} for group {MarkerGroup(subtask)}: {e.Error.Reason}");
        }
    }

    private void Produce(IProducer<byte[], byte[]> producer, Message<byte[], byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(_config.Topic, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>Commits, retrying what librdkafka says may be retried (e.g. a broker away for a moment).</summary>
    private void CommitTransaction(IProducer<byte[], byte[]> producer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                producer.CommitTransaction(KafkaClients.ConnectTimeout);
                return;
            }
            catch (KafkaRetriableException e) when (attempt < 5)
            {
                _context.Warn($"committing a transaction to {_config.Topic} (attempt {attempt}): {e.Error.Reason}; retrying");
            }
        }
    }

    public void Dispose()
    {
        foreach (var producer in _producers.Values) producer.Dispose();
        foreach (var consumer in _markerConsumers.Values)
        {
            consumer.Close();
            consumer.Dispose();
        }
        _producers.Clear();
        _markerConsumers.Clear();
    }
}
