using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Formats.Avro;
using Confluent.Kafka;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// Reads a topic. Partition p belongs to subtask p mod parallelism, so the assignment is the
/// same in every run at a given parallelism. The next offset of every assigned partition is
/// checkpointed (state table <c>k</c>, a row per partition whose offset moved, on top of the
/// previous checkpoint's files; read whole on restore, later rows winning), so a
/// restore at any parallelism resumes each partition exactly after the last checkpoint; a
/// partition missing from restored state is new and is read from its beginning. Without
/// state the start is <c>source.offset</c> (latest, earliest, or the group's committed
/// offset), resolved to a number at start so the first checkpoint records it. New partitions
/// are looked for every <see cref="DiscoveryInterval"/>. Each row's <c>_timestamp</c> is the
/// message's timestamp; every emitted batch holds one partition's rows and names it (see
/// <see cref="SourceSplits"/>), so watermarks are kept per partition. Once a checkpoint is durable its offsets are committed to the consumer
/// group (progress for outside tools, and the start for <c>source.offset = 'group'</c>).
/// </summary>
internal sealed class KafkaSource : ISource
{
    /// <summary>
    /// Confluent.Kafka's setting for what a consumed message carries besides key and value. Messages
    /// are read through <see cref="MessageBatches"/>, not Confluent.Kafka's Consume, so this only
    /// keeps the few Consume calls made before partitions are assigned (serving errors) cheap.
    /// </summary>
    internal const string ConsumeResultFields = "dotnet.consumer.consume.result.fields";

    internal const string StateTable = "k";
    private static readonly TimeSpan DiscoveryInterval = TimeSpan.FromSeconds(10);

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("partition", DataType.Int32, false),
        new Field("offset", DataType.Int64, false),
    ]);

    private readonly ConnectorTable _table;
    private readonly KafkaTableConfig _config;
    private readonly Schema _output;
    private readonly FormatSettings _format;
    private readonly Schema _formatSchema;
    private AvroToJson? _avro;
    private SchemaRegistryClient? _registry;
    private readonly Func<RecordDecoder> _newDecoder;
    private readonly int _batchSize;
    private readonly KafkaClients _clients;
    private readonly (int Index, string Key)[] _metadata;
    private readonly string?[] _metadataKeyOf;
    private readonly Dictionary<int, long> _next = [];
    private readonly Dictionary<long, Dictionary<int, long>> _checkpointed = [];
    // The offsets the state table's chain holds after the last checkpoint, and how many deltas it has.
    private readonly Dictionary<int, long> _inState = [];
    private int _deltas;
    private const int MaxDeltas = 30;
    // The offsets last committed to the consumer group.
    private readonly Dictionary<int, long> _committed = [];
    private readonly Dictionary<int, PendingRows> _pending = [];
    private readonly List<PendingRows> _readThisPoll = [];
    private PendingRows? _current;
    private OperatorContext _context;
    private IConsumer<byte[], byte[]>? _consumer;
    private MessageBatches? _batches;
    private bool _restored;
    private DateTime _nextDiscovery;
    private bool _idleSent;
    private int _currentPartition = -1;
    private long _dropped;

    private readonly record struct RowMetadata(int Partition, long Offset, long TimestampMillis, byte[]? Key);

    /// <summary>One partition's rows decoded since its last batch went out.</summary>
    private sealed class PendingRows(int partition, RecordDecoder decoder)
    {
        public int Partition { get; } = partition;
        public RecordDecoder Decoder { get; } = decoder;
        public List<long> Timestamps { get; } = [];
        public List<RowMetadata> Metadata { get; } = [];

        /// <summary>
        /// The offset after the last message read in this Poll, -1 before the first: kept here
        /// rather than written to the source's offset map per message, and recorded there once
        /// before Poll returns (no checkpoint can come in between).
        /// </summary>
        public long Next = -1;
    }

    public KafkaSource(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _config = (KafkaTableConfig)spec.Table.Config;
        _output = spec.Output;
        _context = context;
        _clients = new KafkaClients(_config, _table.Name, context);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
        var metadataNames = spec.Table.MetadataColumns.ToDictionary(m => m.Field.Name, m => m.Key, StringComparer.Ordinal);
        _metadata = Enumerable.Range(0, _output.Count)
            .Where(i => metadataNames.ContainsKey(_output[i].Name))
            .Select(i => (i, metadataNames[_output[i].Name]))
            .ToArray();
        _metadataKeyOf = new string?[_output.Count];
        foreach (var (index, key) in _metadata) _metadataKeyOf[index] = key;
        var formatSchema = new Schema(_output.Fields.Where(f => !metadataNames.ContainsKey(f.Name)).ToList());
        _format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _formatSchema = formatSchema;
        // Avro records are read as JSON objects by field name (see AvroToJson).
        var decoderFormat = _format.Kind == FormatKind.Avro ? new FormatSettings(FormatKind.Json) : _format;
        var usage = FormatUsage(spec.Usage, _output, metadataNames);
        _newDecoder = () => RecordDecoder.Create(decoderFormat, formatSchema, usage);
        // One decoder per partition is made as partitions are read; this one only makes a format
        // or schema the decoders cannot read fail now, before the run starts.
        _ = _newDecoder();
    }

    /// <summary>
    /// What downstream reads of the decoded columns (the output without the metadata columns),
    /// so the decoder can skip text nobody reads. The row condition is not passed on: its
    /// indices are the output's, and every row is decoded anyway.
    /// </summary>
    private static Arroyo.Dataflow.ColumnUsage? FormatUsage(Arroyo.Dataflow.ColumnUsage? usage, Schema output, Dictionary<string, string> metadata)
    {
        if (usage is null) return null;
        var columns = new List<Arroyo.Dataflow.FieldUsage?>();
        for (var c = 0; c < output.Count; c++)
        {
            if (!metadata.ContainsKey(output[c].Name)) columns.Add(c < usage.Columns.Count ? usage.Columns[c] : Arroyo.Dataflow.FieldUsage.All);
        }
        return new Arroyo.Dataflow.ColumnUsage(columns);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        if (_format.Kind == FormatKind.Avro) OpenAvro();
        var restored = new Dictionary<int, long>();
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var ids = (PrimitiveColumn<int>)batch.Columns[1];
            var offsets = (PrimitiveColumn<long>)batch.Columns[2];
            for (var r = 0; r < batch.RowCount; r++) restored[ids[r]] = offsets[r];
        }
        _restored = context.State.Epoch is not null && restored.Count > 0;
        var settings = new ConsumerConfig
        {
            GroupId = GroupId(context),
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            IsolationLevel = _config.ReadCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        settings.Set(ConsumeResultFields, "timestamp");
        _consumer = _clients.Consumer(settings);
        _batches = new MessageBatches(_consumer.Handle, _batchSize * 8);
        var partitions = _clients.Partitions(_consumer.Handle, KafkaClients.ConnectTimeout, ServeConsumer);
        Assign(partitions.Where(Owns), restored);
        _nextDiscovery = DateTime.UtcNow + DiscoveryInterval;
    }

    /// <summary>Nothing is assigned yet, so this only serves librdkafka's error callbacks.</summary>
    private void ServeConsumer() => _consumer!.Consume(TimeSpan.Zero);

    private bool Owns(int partition) => partition % _context.Parallelism == _context.SubtaskIndex;

    private string GroupId(OperatorContext context)
    {
        if (_config.GroupId is { } id)
        {
            if (_config.GroupIdPrefix is not null) context.Warn("both source.group_id and source.group_id_prefix are set; using source.group_id");
            return id;
        }
        var pipeline = context.Settings.PipelineId;
        return _config.GroupIdPrefix is { } prefix
            ? $"{prefix}-arroyo-{pipeline}-{context.NodeId}"
            : $"arroyo-{pipeline}-{context.NodeId}-consumer";
    }

    /// <summary>Starts reading <paramref name="partitions"/>: at the restored offset, else from the start mode, resolved to a number.</summary>
    private void Assign(IEnumerable<int> partitions, IReadOnlyDictionary<int, long> restored, bool discovered = false)
    {
        var assignment = new List<TopicPartitionOffset>();
        var added = partitions.Where(p => !_next.ContainsKey(p)).ToList();
        var allBounds = Watermarks(added);
        var fromGroup = !_restored && !discovered && _config.StartOffset == KafkaStartOffset.Group
            ? GroupOffsets(added.Where(p => !restored.ContainsKey(p)).ToList())
            : null;
        foreach (var partition in added)
        {
            var tp = new TopicPartition(_config.Topic, partition);
            var bounds = allBounds[partition];
            long offset;
            if (restored.TryGetValue(partition, out var saved)) offset = saved;
            else if (_restored || discovered || _config.StartOffset == KafkaStartOffset.Earliest) offset = bounds.Low;
            else if (_config.StartOffset == KafkaStartOffset.Latest) offset = bounds.High;
            // A group that never committed this partition starts at the beginning (auto.offset.reset = earliest).
            else offset = fromGroup!.TryGetValue(partition, out var committed) && !committed.IsSpecial ? committed.Value : bounds.Low;
            _next[partition] = offset;
            assignment.Add(new TopicPartitionOffset(tp, new Offset(offset)));
            // A partition with unread messages holds the watermark back until they come (or it goes idle).
            if (offset < bounds.High) _context.Splits.Expect(partition);
        }
        if (assignment.Count == 0) return;
        _consumer!.IncrementalAssign(assignment);
        _context.Log($"reading {_config.Topic} partitions {string.Join(", ", assignment.Select(a => $"{a.Partition.Value}@{a.Offset.Value}"))}");
    }

    /// <summary>
    /// The first and next offsets of <paramref name="partitions"/>: in two requests for all of
    /// them (the offsets for the special times "earliest" and "latest", which is what the
    /// per-partition watermark query asks too) instead of two per partition, so a topic of many
    /// partitions does not start with a round trip per partition. Should the broker refuse the
    /// batched form, each partition is asked on its own.
    /// </summary>
    private Dictionary<int, (long Low, long High)> Watermarks(List<int> partitions)
    {
        var bounds = new Dictionary<int, (long Low, long High)>();
        if (partitions.Count == 0) return bounds;
        try
        {
            var low = OffsetsAt(partitions, Offset.Beginning);
            var high = OffsetsAt(partitions, Offset.End);
            if (partitions.All(p => low.TryGetValue(p, out var l) && !l.IsSpecial && high.TryGetValue(p, out var h) && !h.IsSpecial))
            {
                foreach (var p in partitions) bounds[p] = (low[p].Value, high[p].Value);
                return bounds;
            }
        }
        catch (KafkaException)
        {
            // Asked again one by one below, where a failure gets its clear error.
        }
        foreach (var p in partitions)
        {
            var one = Watermarks(new TopicPartition(_config.Topic, p));
            bounds[p] = (one.Low.Value, one.High.Value);
        }
        return bounds;
    }

    private Dictionary<int, Offset> OffsetsAt(List<int> partitions, Offset special) =>
        _consumer!.OffsetsForTimes(
                partitions.Select(p => new TopicPartitionTimestamp(_config.Topic, p, new Timestamp(special.Value, TimestampType.NotAvailable))),
                KafkaClients.ConnectTimeout)
            .Where(o => o.Topic == _config.Topic)
            .ToDictionary(o => o.Partition.Value, o => o.Offset);

    private WatermarkOffsets Watermarks(TopicPartition tp)
    {
        try
        {
            return _consumer!.QueryWatermarkOffsets(tp, KafkaClients.ConnectTimeout);
        }
        catch (KafkaException e)
        {
            throw new ExternalException($"cannot read the offsets of {tp.Topic} partition {tp.Partition.Value} from {_config.BootstrapServers} (table '{_table.Name}'): {e.Error.Reason}");
        }
    }

    /// <summary>The group's committed offsets of <paramref name="partitions"/>, asked in one request.</summary>
    private Dictionary<int, Offset> GroupOffsets(List<int> partitions)
    {
        if (partitions.Count == 0) return [];
        try
        {
            return _consumer!.Committed(partitions.Select(p => new TopicPartition(_config.Topic, p)), KafkaClients.ConnectTimeout)
                .ToDictionary(c => c.Partition.Value, c => c.Offset);
        }
        catch (KafkaException e)
        {
            throw new ExternalException($"cannot read the committed offsets of group for {_config.Topic} from {_config.BootstrapServers} (table '{_table.Name}'): {e.Error.Reason}");
        }
    }

    public SourceStatus Poll(IOutput output)
    {
        if (_next.Count == 0 && !_idleSent)
        {
            // More subtasks than partitions: this one must not hold back the watermark.
            _context.Log($"no partition of {_config.Topic} is assigned to this subtask; it stays idle");
            output.EmitWatermark(Watermark.Idle);
            _idleSent = true;
        }
        if (DateTime.UtcNow >= _nextDiscovery) Discover();
        var batches = _batches!;
        var read = 0;
        // Messages arrive in runs of one partition's fetched data (one record batch per partition
        // and fetch from librdkafka's mock broker, as the producer batched them), so with many partitions
        // they come interleaved. Rows are collected per partition (a batch holds one partition's
        // rows, so the watermark can be kept per partition) over a read of up to a batch per
        // partition (at most 8), so batches stay full instead of one per run; all go out before
        // Poll returns, so a checkpoint's offsets never cover rows still held here.
        var budget = _batchSize * Math.Clamp(_next.Count, 1, 8);
        while (read < budget)
        {
            var count = batches.Read(budget - read);
            if (count == 0) break;
            for (var i = 0; i < count; i++)
            {
                ref readonly var message = ref batches.Message(i);
                if (message.Error != 0)
                {
                    if (message.IsPartitionEof) continue;
                    if (message.IsFatal) throw new ExternalException($"reading {_config.Topic} from {_config.BootstrapServers} (table '{_table.Name}'): {message.ErrorText}");
                    _context.Warn($"reading {_config.Topic}: {message.ErrorText}");
                    continue;
                }
                read++;
                Add(output, in message, batches.Timestamp(i));
            }
        }
        batches.Release();
        // Only the partitions read from in this Poll can hold rows (each Poll sends out all it
        // decoded), so an idle Poll does not walk every assigned partition.
        foreach (var pending in _readThisPoll)
        {
            _next[pending.Partition] = pending.Next;
            pending.Next = -1;
            EmitBatch(output, pending.Partition, pending);
        }
        _readThisPoll.Clear();
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    /// <summary>Decodes one message into its partition's pending rows; sends them out once a batch is full.</summary>
    private void Add(IOutput output, in MessageBatches.NativeMessage message, long millis)
    {
        var partition = message.Partition;
        if (partition != _currentPartition)
        {
            if (!_pending.TryGetValue(partition, out _current)) _pending[partition] = _current = new PendingRows(partition, _newDecoder());
            _currentPartition = partition;
        }
        var pending = _current!;
        if (pending.Next < 0) _readThisPoll.Add(pending);
        pending.Next = message.Offset + 1;
        if (!message.HasValue) return;
        var before = pending.Decoder.RowCount;
        if (_format.NewlineFraming) DecodeLines(partition, message.Offset, message.Value, pending.Decoder);
        else Decode(partition, message.Offset, message.Value, pending.Decoder);
        var rows = pending.Decoder.RowCount - before;
        var nanos = Math.Max(0, millis) * 1_000_000;
        for (var i = 0; i < rows; i++) pending.Timestamps.Add(nanos);
        if (_metadata.Length > 0)
        {
            var meta = new RowMetadata(partition, message.Offset, millis, message.KeyBytes);
            for (var i = 0; i < rows; i++) pending.Metadata.Add(meta);
        }
        if (pending.Decoder.RowCount >= _batchSize) EmitBatch(output, partition, pending);
    }

    private void EmitBatch(IOutput output, int partition, PendingRows pending)
    {
        var batch = pending.Decoder.Flush(0);
        if (batch is not null) _context.Splits.Emit(output, partition, Complete(batch, pending));
    }

    private void Decode(int partition, long offset, ReadOnlySpan<byte> record, RecordDecoder decoder)
    {
        string? error;
        if (_avro is not null)
        {
            record = _avro.Convert(record, out error);
            if (error is not null)
            {
                HandleBadData(partition, offset, error);
                return;
            }
        }
        if (!decoder.TryDecode(record, out error)) HandleBadData(partition, offset, error!);
    }

    /// <summary>The avro reader: the registry client when there is one, and for raw datums the writer schema (the subject's latest, or from the columns).</summary>
    private void OpenAvro()
    {
        if (_config.SchemaRegistryEndpoint is { } endpoint)
        {
            _registry = new SchemaRegistryClient(endpoint, _config.SchemaRegistryApiKey, _config.SchemaRegistryApiSecret);
        }
        string? rawSchema = null;
        if (!_format.AvroConfluentSchemaRegistry && _format.AvroRawDatums)
        {
            rawSchema = _registry is not null
                ? _registry.Latest(_config.Subject).Schema
                : AvroSchemas.FromFields(_formatSchema.Fields.Where(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName).ToList());
        }
        _avro = new AvroToJson(_format, _registry, rawSchema);
    }

    /// <summary><c>framing = 'newline'</c>: every non-empty line of the message is a record.</summary>
    private void DecodeLines(int partition, long offset, ReadOnlySpan<byte> value, RecordDecoder decoder)
    {
        while (!value.IsEmpty)
        {
            var newline = value.IndexOf((byte)'\n');
            var line = newline < 0 ? value : value[..newline];
            value = newline < 0 ? [] : value[(newline + 1)..];
            if (line.IsEmpty) continue;
            if (_format.MaxLineLength is { } max && line.Length > max)
            {
                HandleBadData(partition, offset, $"line of {line.Length} bytes is longer than framing.newline.max_length ({max})");
                continue;
            }
            Decode(partition, offset, line, decoder);
        }
    }

    /// <summary>The decoded rows with their message timestamps and metadata columns, in the output's column order.</summary>
    private Batch Complete(Batch decoded, PendingRows pending)
    {
        var rows = decoded.RowCount;
        var columns = new Column[_output.Count];
        var d = 0;
        for (var c = 0; c < columns.Length; c++)
        {
            if (_metadataKeyOf[c] is { } key)
            {
                columns[c] = MetadataColumn(key, rows, pending.Metadata);
                continue;
            }
            var column = decoded.Columns[d++];
            columns[c] = _output[c].Name == Schema.TimestampFieldName
                ? new PrimitiveColumn<long>(DataType.Timestamp, pending.Timestamps.ToArray())
                : column;
        }
        pending.Timestamps.Clear();
        pending.Metadata.Clear();
        return new Batch(_output, columns, rows);
    }

    private Column MetadataColumn(string key, int rows, List<RowMetadata> rowMetadata)
    {
        switch (key)
        {
            case "offset_id":
                return new PrimitiveColumn<long>(DataType.Int64, rowMetadata.Select(m => m.Offset).ToArray());
            case "partition":
                return new PrimitiveColumn<int>(DataType.Int32, rowMetadata.Select(m => m.Partition).ToArray());
            case "timestamp":
                return new PrimitiveColumn<long>(DataType.Int64, rowMetadata.Select(m => m.TimestampMillis).ToArray());
            case "topic":
            {
                var builder = new StringColumnBuilder(DataType.Utf8, rows);
                for (var i = 0; i < rows; i++) builder.Append(_config.Topic);
                return builder.Build();
            }
            default:
            {
                var builder = new StringColumnBuilder(DataType.Binary, rows);
                foreach (var m in rowMetadata)
                {
                    if (m.Key is null) builder.AppendNull();
                    else builder.Append(m.Key);
                }
                return builder.Build();
            }
        }
    }

    private void HandleBadData(int partition, long offset, string error)
    {
        if (_table.BadData == BadDataPolicy.Drop)
        {
            if (_dropped++ == 0) _context.Warn($"dropping records of {_config.Topic} that do not parse (bad_data = 'drop'), first: {error}");
            _context.Metrics.DeserializationError();
            return;
        }
        throw new BadDataException($"bad data in {_config.Topic} partition {partition} offset {offset} (table '{_table.Name}'): {error}");
    }

    private void Discover()
    {
        _nextDiscovery = DateTime.UtcNow + DiscoveryInterval;
        IReadOnlyList<int> partitions;
        try
        {
            partitions = _clients.Partitions(_consumer!.Handle, TimeSpan.FromSeconds(2), () => { });
        }
        catch (ExternalException e)
        {
            // The broker may be away for a while; librdkafka reconnects and reading goes on.
            _context.Warn($"looking for new partitions: {e.Message}");
            return;
        }
        var added = partitions.Where(p => Owns(p) && !_next.ContainsKey(p)).ToList();
        if (added.Count == 0) return;
        _context.Log($"new partitions of {_config.Topic}: {string.Join(", ", added)}");
        Assign(added, new Dictionary<int, long>(), discovered: true);
    }

    /// <summary>
    /// Writes the offsets that moved since the previous checkpoint on top of that checkpoint's
    /// files (an incremental table: a restore reads the files in order, later rows win), every
    /// offset when there is nothing to build on or after <see cref="MaxDeltas"/> deltas (so a
    /// restore reads a bounded chain). A source with nothing read since then writes no file.
    /// </summary>
    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_next.Count == 0) return;
        if (state.CanKeepPrevious(StateTable) && _deltas < MaxDeltas)
        {
            state.KeepPrevious(StateTable);
            _deltas++;
        }
        else
        {
            _inState.Clear();
            _deltas = 0;
        }
        var partitions = _next.Where(p => !_inState.TryGetValue(p.Key, out var kept) || kept != p.Value).Select(p => p.Key).Order().ToArray();
        if (partitions.Length > 0)
        {
            var offsets = partitions.Select(p => _next[p]).ToArray();
            var keys = partitions.Select(p => Arroyo.Core.Partitioning.KeyHasher.HashString($"{_config.Topic}/{p}")).ToArray();
            state.WriteTable(StateTable, new Batch(s_stateSchema,
            [
                new PrimitiveColumn<ulong>(DataType.UInt64, keys),
                new PrimitiveColumn<int>(DataType.Int32, partitions),
                new PrimitiveColumn<long>(DataType.Int64, offsets),
            ], partitions.Length));
            for (var i = 0; i < partitions.Length; i++) _inState[partitions[i]] = offsets[i];
        }
        _checkpointed[barrier.Epoch] = new Dictionary<int, long>(_next);
    }

    // Returning data makes the runtime call OnCommit once the checkpoint is durable.
    public byte[]? PreCommit(CheckpointBarrier barrier) => [1];

    public void OnCommit(long epoch, CommitData data)
    {
        if (data.IsReplay || !_checkpointed.Remove(epoch, out var offsets)) return;
        foreach (var old in _checkpointed.Keys.Where(e => e < epoch).ToList()) _checkpointed.Remove(old);
        // Only what moved since the last commit: an idle source sends no commit request.
        var moved = offsets.Where(o => !_committed.TryGetValue(o.Key, out var c) || c != o.Value).ToList();
        if (moved.Count == 0) return;
        try
        {
            _consumer!.Commit(moved.Select(o => new TopicPartitionOffset(_config.Topic, o.Key, o.Value)));
            foreach (var (partition, offset) in moved) _committed[partition] = offset;
        }
        catch (KafkaException e)
        {
            // Progress only: positions live in the checkpoint.
            _context.Warn($"could not commit offsets of {_config.Topic} to the consumer group: {e.Error.Reason}");
        }
    }

    public void Close()
    {
        if (_dropped > 0) _context.Warn($"dropped {_dropped} records of {_config.Topic} that did not parse");
        _registry?.Dispose();
        // Before Close: librdkafka's destroy waits for every message and queue reference to be released.
        _batches?.Dispose();
        _batches = null;
        _consumer?.Close();
        _consumer?.Dispose();
        _consumer = null;
    }
}
