using System.Buffers;
using System.Collections.Concurrent;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using MQTTnet;

namespace Arroyo.Connectors.Mqtt;

/// <summary>
/// Subscribes to the table's topic (a filter: <c>+</c> and <c>#</c> allowed) and emits one row per
/// record of each message, <c>_timestamp</c> the time it arrived (as the reference). As the
/// reference, only subtask 0 reads (a subscription cannot be split); the others are idle.
/// <para>Delivery. With <c>qos</c> AtLeastOnce or ExactlyOnce the session is persistent (clean
/// start off, no expiry, client id stable for the state dir) and a message is acknowledged only
/// once the checkpoint after it is durable (<see cref="OnCommit"/>). A message emitted but not yet
/// covered by a completed checkpoint stays unacknowledged, so after a crash, a kill or a lost
/// connection the broker delivers it again: nothing checkpointed is lost, and what came after the
/// last checkpoint may be read twice (at least once; an exactly-once sink then drops nothing and
/// a replayed checkpoint truncates the duplicate output). The broker bounds how many messages wait
/// unacknowledged (MQTT 5 receive maximum, set to 65535; mosquitto's <c>max_inflight_messages</c>
/// and <c>max_queued_messages</c> for offline sessions). With AtMostOnce (the default) nothing is
/// acknowledged or kept: what arrives while the pipeline is down is lost, as in the reference.</para>
/// </summary>
internal sealed class MqttSource : ISource
{
    private readonly ConnectorTable _table;
    private readonly MqttTableConfig _config;
    private readonly Schema _output;
    private readonly FormatSettings _format;
    private readonly RecordDecoder _decoder;
    private readonly int _topicColumn = -1;
    private readonly int _batchSize;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly List<string> _rowTopics = [];
    // Messages emitted since the last checkpoint, then per checkpoint until it is committed.
    private List<MqttApplicationMessageReceivedEventArgs> _unacked = [];
    private readonly SortedDictionary<long, List<MqttApplicationMessageReceivedEventArgs>> _checkpointed = [];
    private OperatorContext _context;
    private MqttConnection? _connection;
    private int _generation;
    private bool _idle;
    private long _dropped;

    private readonly record struct Received(MqttApplicationMessageReceivedEventArgs Args, int Generation);

    public MqttSource(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _config = (MqttTableConfig)spec.Table.Config;
        _output = spec.Output;
        _context = context;
        _batchSize = Math.Max(1, context.Settings.BatchSize);
        var topicField = spec.Table.MetadataColumns.FirstOrDefault(m => m.Key == "topic")?.Field.Name;
        if (topicField is not null) _topicColumn = _output.IndexOf(topicField);
        var formatFields = _output.Fields.Where((f, i) => i != _topicColumn).ToList();
        _format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _decoder = RecordDecoder.Create(_format, new Schema(formatFields));
    }

    private bool Acknowledges => _config.Qos != MqttQos.AtMostOnce;

    public void Open(OperatorContext context)
    {
        _context = context;
        if (context.SubtaskIndex > 0)
        {
            _idle = true;
            return;
        }
        _connection = new MqttConnection(_config, _table.Name, context, persistentSession: Acknowledges);
        _connection.Client.ApplicationMessageReceivedAsync += e =>
        {
            // Acknowledged after the checkpoint that covers it (OnCommit), never here.
            if (Acknowledges) e.AutoAcknowledge = false;
            _received.Enqueue(new Received(e, Volatile.Read(ref _generation)));
            return Task.CompletedTask;
        };
        _connection.Connect();
        Subscribe();
    }

    private void Subscribe()
    {
        var options = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_config.Topic, MqttConnection.Level(_config.Qos)).Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = _connection!.Client.SubscribeAsync(options, timeout.Token).GetAwaiter().GetResult();
        var code = result.Items.FirstOrDefault()?.ResultCode;
        if (code is not null && (int)code.Value >= 0x80)
        {
            throw new ExternalException($"the MQTT broker at {_connection.Where} refused the subscription to '{_config.Topic}' (table '{_table.Name}'): {code}");
        }
        _context.Log($"subscribed to '{_config.Topic}' at {_connection.Where} with {_config.Qos}");
    }

    public SourceStatus Poll(IOutput output)
    {
        if (_idle)
        {
            output.EmitWatermark(Watermark.Idle);
            _idle = false;
            _context.Log("mqtt sources read on subtask 0 only; this subtask stays idle");
        }
        if (_connection is null) return SourceStatus.Idle;
        if (!_connection.Client.IsConnected)
        {
            if (!_connection.EnsureConnected(out var reconnected)) return SourceStatus.Idle;
            if (reconnected)
            {
                // Acknowledgements of the old connection cannot be sent on the new one: the broker
                // sends those messages again (they are read again, at least once).
                Interlocked.Increment(ref _generation);
                _unacked = [];
                _checkpointed.Clear();
                Subscribe();
            }
        }
        var read = 0;
        while (read < _batchSize && _received.TryDequeue(out var message))
        {
            read++;
            var args = message.Args;
            if (Acknowledges && message.Generation == Volatile.Read(ref _generation)) _unacked.Add(args);
            var before = _decoder.RowCount;
            var payload = args.ApplicationMessage.Payload;
            var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
            if (_format.NewlineFraming) DecodeLines(args, bytes);
            else Decode(args, bytes);
            for (var i = _decoder.RowCount - before; i > 0; i--) _rowTopics.Add(args.ApplicationMessage.Topic);
        }
        var batch = _decoder.Flush(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        if (batch is not null) output.Emit(WithTopic(batch));
        _rowTopics.Clear();
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    private void Decode(MqttApplicationMessageReceivedEventArgs args, ReadOnlySpan<byte> record)
    {
        if (_decoder.TryDecode(record, out var error)) return;
        if (_table.BadData == BadDataPolicy.Drop)
        {
            if (_dropped++ == 0) _context.Warn($"dropping messages of '{_config.Topic}' that do not parse (bad_data = 'drop'), first: {error}");
            _context.Metrics.DeserializationError();
            return;
        }
        throw new BadDataException($"bad data in MQTT topic '{args.ApplicationMessage.Topic}' (table '{_table.Name}'): {error}");
    }

    /// <summary><c>framing = 'newline'</c>: every non-empty line of the message is a record.</summary>
    private void DecodeLines(MqttApplicationMessageReceivedEventArgs args, ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            var newline = value.IndexOf((byte)'\n');
            var line = newline < 0 ? value : value[..newline];
            value = newline < 0 ? [] : value[(newline + 1)..];
            if (!line.IsEmpty) Decode(args, line);
        }
    }

    private Batch WithTopic(Batch decoded)
    {
        if (_topicColumn < 0) return decoded;
        var columns = new Column[_output.Count];
        var builder = new StringColumnBuilder(DataType.Utf8, decoded.RowCount);
        foreach (var topic in _rowTopics) builder.Append(topic);
        for (int c = 0, d = 0; c < columns.Length; c++) columns[c] = c == _topicColumn ? builder.Build() : decoded.Columns[d++];
        return new Batch(_output, columns, decoded.RowCount);
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (!Acknowledges) return;
        _checkpointed[barrier.Epoch] = _unacked;
        _unacked = [];
    }

    // Returning data makes the runtime call OnCommit once the checkpoint is durable.
    public byte[]? PreCommit(CheckpointBarrier barrier) => Acknowledges && _connection is not null ? [1] : null;

    /// <summary>The checkpoint is durable: acknowledge every message it covers, in the order they arrived (as MQTT requires).</summary>
    public void OnCommit(long epoch, CommitData data)
    {
        if (data.IsReplay || _connection is null) return;
        foreach (var done in _checkpointed.Keys.Where(e => e <= epoch).ToList())
        {
            foreach (var args in _checkpointed[done])
            {
                // Lost connection: those acknowledgements are void; the broker sends the messages again on the next one.
                if (!_connection.Client.IsConnected) break;
                try
                {
                    args.AcknowledgeAsync(CancellationToken.None).GetAwaiter().GetResult();
                }
                // MQTTnet throws NullReferenceException when the connection is torn down during the send.
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException
                                              or NullReferenceException)
                {
                    // The connection dropped: the broker sends the message again on the next one.
                    _context.Warn($"could not acknowledge a message of '{_config.Topic}' ({e.Message}); the broker will send it again");
                    break;
                }
            }
            _checkpointed.Remove(done);
        }
    }

    public void Close()
    {
        if (_dropped > 0) _context.Warn($"dropped {_dropped} messages of '{_config.Topic}' that did not parse");
        _connection?.Dispose();
        _connection = null;
    }
}
