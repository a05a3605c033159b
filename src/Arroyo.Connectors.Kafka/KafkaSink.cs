using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Formats.RawString;
using Arroyo.Formats.Avro;
using Confluent.Kafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// Writes one message per row (or per debezium change) to the topic: the key from
/// <c>sink.key_field</c> (TEXT), the timestamp from <c>sink.timestamp_field</c> (default the
/// row's event time). <b>at_least_once</b>: messages are produced as they come, and every
/// barrier waits until the broker acknowledged all of them. <b>exactly_once</b>: see
/// <see cref="TransactionalWriter"/>.
/// </summary>
internal sealed class KafkaSink : IOperator
{
    private readonly SinkSpec _spec;
    private readonly KafkaTableConfig _config;
    private readonly KafkaClients _clients;
    private readonly RecordEncoder? _encoder;
    private readonly FormatSettings _format;
    private AvroRecordWriter? _avro;
    private readonly int _rawColumn = -1;
    private readonly int _keyColumn = -1;
    private readonly int _timestampColumn;
    private readonly ByteBuffer _buffer = new();
    private OperatorContext _context;
    private ISinkProducer? _producer;
    private TransactionalWriter? _transactional;

    public KafkaSink(SinkSpec spec, OperatorContext context)
    {
        _spec = spec;
        _config = (KafkaTableConfig)spec.Table.Config;
        _context = context;
        _clients = new KafkaClients(_config, spec.Table.Name, context);
        var input = spec.Input;
        var format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _format = format;
        if (format.Kind == FormatKind.Avro)
        {
            if (input.RetractIndex >= 0)
            {
                throw new UserException($"the avro format cannot write an updating input (table '{spec.Table.Name}'); use format = 'debezium_json'");
            }
            // Derived now so an unsupported column type fails before anything runs; the registry id comes in Open.
            AvroRecordWriter.Fields(input);
        }
        else if (format.Kind is FormatKind.RawString or FormatKind.RawBytes)
        {
            // One message per row, written as is (a value may hold newlines).
            _rawColumn = RawValueColumn.Find(input, format, spec.Table.Name);
        }
        else
        {
            _encoder = RecordEncoder.Create(format, input, spec.UpdateKeys);
        }
        if (_config.KeyField is { } keyField)
        {
            _keyColumn = Column(keyField, "sink.key_field");
            if (input[_keyColumn].Type.Kind != TypeKind.Utf8)
            {
                throw new UserException($"sink.key_field '{keyField}' of table '{spec.Table.Name}' has type {input[_keyColumn].Type}, but the key must be TEXT");
            }
        }
        _timestampColumn = input.TimestampIndex;
        if (_config.TimestampField is { } timestampField)
        {
            _timestampColumn = Column(timestampField, "sink.timestamp_field");
            if (input[_timestampColumn].Type.Kind != TypeKind.Timestamp)
            {
                throw new UserException($"sink.timestamp_field '{timestampField}' of table '{spec.Table.Name}' has type {input[_timestampColumn].Type}, but it must be a TIMESTAMP");
            }
        }
    }

    private int Column(string name, string option)
    {
        var index = _spec.Input.IndexOf(name);
        if (index < 0)
        {
            index = Enumerable.Range(0, _spec.Input.Count).FirstOrDefault(i => string.Equals(_spec.Input[i].Name, name, StringComparison.OrdinalIgnoreCase), -1);
        }
        if (index < 0)
        {
            throw new UserException($"{option} '{name}' is not a column of the rows written to table '{_spec.Table.Name}'" +
                                    Suggestions.DidYouMean(name, _spec.Input.Fields.Select(f => f.Name)));
        }
        return index;
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        if (_format.Kind == FormatKind.Avro) OpenAvro();
        if (_config.ExactlyOnce)
        {
            _transactional = new TransactionalWriter(_clients, context);
            _transactional.Open();
            return;
        }
        _producer = CreateProducer(_clients, native: true);
        _producer.CheckTopic();
    }

    /// <summary>
    /// The at-least-once producer: acks from all in-sync replicas, idempotent (a retried batch is
    /// not written twice), batches held up to 5 ms; the table's client configs win over these.
    /// librdkafka's C API when it can be called (<paramref name="native"/>), else Confluent.Kafka.
    /// </summary>
    internal static ISinkProducer CreateProducer(KafkaClients clients, bool native)
    {
        var settings = clients.Settings(new ProducerConfig { Acks = Acks.All, EnableIdempotence = true, LingerMs = 5 });
        if (native && NativeProducer.Supports(settings))
        {
            clients.Debug("producing through librdkafka's C API");
            return new NativeProducer(clients, settings);
        }
        clients.Debug("producing through Confluent.Kafka");
        return new ConfluentProducer(clients, settings);
    }

    /// <summary>As the reference: with the registry, the schema derived from the written columns is registered under the value subject and its id framed into every record.</summary>
    private void OpenAvro()
    {
        int? id = null;
        if (_format.AvroConfluentSchemaRegistry)
        {
            using var registry = new SchemaRegistryClient(_config.SchemaRegistryEndpoint!, _config.SchemaRegistryApiKey, _config.SchemaRegistryApiSecret);
            id = registry.Register(_config.Subject, AvroRecordWriter.Fields(_spec.Input));
            _context.Log($"registered the avro schema of {_config.Topic} under subject '{_config.Subject}' at {registry.Endpoint}: id {id}");
        }
        _avro = new AvroRecordWriter(_spec.Input, _format, id);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        Write(batch);
        // Delivery reports and client errors are served here (once a batch) and in a produce that waits on a full queue.
        _producer?.Poll();
    }

    private void Write(Batch batch)
    {
        if (_avro is not null)
        {
            for (var row = 0; row < batch.RowCount; row++) Publish(batch, row, _avro.Write(batch, row));
            return;
        }
        if (_encoder is null)
        {
            var values = (StringColumn)batch.Columns[_rawColumn];
            for (var row = 0; row < batch.RowCount; row++)
            {
                if (!values.IsNull(row)) Publish(batch, row, values.GetBytes(row));
            }
            return;
        }
        // The whole batch is encoded at once into one reused buffer, one line per record.
        _buffer.Clear();
        _encoder.Encode(batch, _buffer);
        if (Records(_buffer.Written) == batch.RowCount)
        {
            PublishLines(batch, -1, _buffer.Written);
            return;
        }
        // Some rows gave no record or two became one (a debezium update): encode row by row to keep keys and timestamps aligned.
        for (var row = 0; row < batch.RowCount; row++)
        {
            _buffer.Clear();
            _encoder.Encode(batch.Slice(row, 1), _buffer);
            PublishLines(batch, row, _buffer.Written);
        }
    }

    /// <summary>The number of records in newline-separated <paramref name="written"/> (the last may lack its newline).</summary>
    private static int Records(ReadOnlySpan<byte> written) =>
        written.IsEmpty ? 0 : written.Count((byte)'\n') + (written[^1] == (byte)'\n' ? 0 : 1);

    /// <summary>Publishes each line of <paramref name="written"/>: line i is row i, or every line is <paramref name="row"/> when it is not -1.</summary>
    private void PublishLines(Batch batch, int row, ReadOnlySpan<byte> written)
    {
        var line = 0;
        while (!written.IsEmpty)
        {
            var newline = written.IndexOf((byte)'\n');
            var length = newline < 0 ? written.Length : newline;
            Publish(batch, row < 0 ? line : row, written[..length]);
            line++;
            written = written[Math.Min(written.Length, length + 1)..];
        }
    }

    /// <summary>Writes one record: its value, the row's key (if any) and timestamp (milliseconds; a null time is 0, which librdkafka reads as now).</summary>
    private void Publish(Batch batch, int row, ReadOnlySpan<byte> value)
    {
        var key = ReadOnlySpan<byte>.Empty;
        var hasKey = false;
        if (_keyColumn >= 0)
        {
            var keys = (StringColumn)batch.Columns[_keyColumn];
            hasKey = !keys.IsNull(row);
            if (hasKey) key = keys.GetBytes(row);
        }
        var times = (PrimitiveColumn<long>)batch.Columns[_timestampColumn];
        var millis = times.IsNull(row) ? 0 : times[row] / 1_000_000;
        if (_transactional is not null)
        {
            // Held until the checkpoint's transaction: a message of its own.
            _transactional.Add(new Message<byte[], byte[]>
            {
                Key = hasKey ? key.ToArray() : null!, Value = value.ToArray(), Timestamp = new Timestamp(millis, TimestampType.CreateTime),
            });
            return;
        }
        ThrowIfDeliveryFailed();
        if (_producer!.Produce(value, key, hasKey, millis) is { } refused)
        {
            throw new ExternalException($"writing to {_config.Topic} at {_config.BootstrapServers} (table '{_spec.Table.Name}'): {refused}");
        }
    }

    private void ThrowIfDeliveryFailed()
    {
        if (_producer?.DeliveryFailure is { } reason)
        {
            throw new ExternalException($"writing to {_config.Topic} at {_config.BootstrapServers} (table '{_spec.Table.Name}') failed: {reason}");
        }
    }

    /// <summary>At least once: everything before the barrier is acknowledged before the checkpoint counts.</summary>
    private void FlushAll()
    {
        if (_producer is null) return;
        var waited = TimeSpan.Zero;
        while (_producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
            ThrowIfDeliveryFailed();
            waited += TimeSpan.FromSeconds(1);
            if (waited.TotalSeconds % 10 == 0)
            {
                _context.Warn($"waiting for {_config.BootstrapServers} to acknowledge writes to {_config.Topic}: {_clients.LastError ?? "no answer"}");
            }
        }
        ThrowIfDeliveryFailed();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_transactional is not null) _transactional.Checkpoint(barrier.Epoch, state);
        else FlushAll();
    }

    public byte[]? PreCommit(CheckpointBarrier barrier) => _transactional?.PreCommit(barrier.Epoch);

    public void OnCommit(long epoch, CommitData data) => _transactional?.Commit(epoch, data);

    public void OnEnd(IOutput output)
    {
        // A bounded input's final checkpoint commits what is pending; here only acknowledgements are awaited.
        FlushAll();
    }

    public void Close()
    {
        _producer?.Dispose();
        _producer = null;
        _transactional?.Dispose();
    }
}
