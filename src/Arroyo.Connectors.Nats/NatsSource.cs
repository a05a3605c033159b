using System.Globalization;
using System.Threading.Channels;
using Arroyo.Connectors.Messages;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Arroyo.Connectors.Nats;

/// <summary>
/// Reads a core NATS subject or a JetStream stream.
/// <para><b>JetStream</b> (exactly once): a stream is one ordered log, so subtask 0 reads it
/// and the others stay idle. The stream sequence of the last message emitted is checkpointed
/// (state table <c>n</c>: stream → sequence, read whole on restore, so any parallelism
/// resumes); a run creates its consumer — deleting any left by an earlier run — to deliver
/// from the sequence after it (from the stream's start without state). Messages are
/// acknowledged as soon as they are received: the position that counts is the checkpointed
/// one, and a redelivered sequence at or below the last emitted is skipped.</para>
/// <para><b>Core NATS</b> (at most once, as the protocol): no position exists; subtasks share
/// the subject through a queue group so each message is read once.</para>
/// A background task receives into a bounded channel (the subtask's backpressure) and
/// <see cref="Poll"/> drains it on the subtask thread.
/// </summary>
internal sealed class NatsSource : ISource
{
    internal const string StateTable = "n";
    private const int ChannelCapacity = 8192;

    private readonly ConnectorTable _table;
    private readonly NatsTableConfig _config;
    private readonly MessageReader _reader;
    private readonly Channel<Received> _received = Channel.CreateBounded<Received>(new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly int _batchSize;
    private OperatorContext _context;
    private NatsConnection? _connection;
    private Task? _receiving;
    private ulong _lastEmitted;
    private bool _idle;
    private bool _idleSent;

    private readonly record struct Received(byte[] Payload, ulong Sequence, long TimestampNanos);

    public NatsSource(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _config = (NatsTableConfig)spec.Table.Config;
        _context = context;
        _reader = new MessageReader(spec, context);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        if (_config.Stream is { } stream)
        {
            if (SourcePositions.Read(context.State, StateTable).TryGetValue(stream, out var saved))
            {
                _lastEmitted = ulong.Parse(saved, CultureInfo.InvariantCulture);
            }
            if (context.SubtaskIndex != 0)
            {
                // One stream is one ordered log: a single reader keeps its order and its position exact.
                _idle = true;
                return;
            }
            _connection = NatsClient.Connect(_config, _table.Name, context);
            var js = new NatsJSContext(_connection);
            var consumer = CreateConsumer(js, stream, _lastEmitted + 1);
            _receiving = Task.Run(() => ReadStreamAsync(js, stream, consumer, _stop.Token));
        }
        else
        {
            _connection = NatsClient.Connect(_config, _table.Name, context);
            var subscription = Subscribe(_config.Subject!);
            _receiving = Task.Run(() => ReadSubjectAsync(subscription, _stop.Token));
        }
    }

    private string ConsumerName(string stream)
    {
        var name = $"arroyo-{_context.Settings.PipelineId}-{_context.NodeId}-{stream}";
        return new string(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
    }

    /// <summary>A consumer delivering from <paramref name="start"/>; a missing stream or a refused config is reported at once.</summary>
    private INatsJSConsumer CreateConsumer(NatsJSContext js, string stream, ulong start)
    {
        var name = ConsumerName(stream);
        var settings = _config.Consumer;
        var config = new ConsumerConfig(name)
        {
            Description = settings.Description,
            AckPolicy = settings.AckPolicy switch
            {
                "none" => ConsumerConfigAckPolicy.None,
                "all" => ConsumerConfigAckPolicy.All,
                _ => ConsumerConfigAckPolicy.Explicit,
            },
            ReplayPolicy = settings.ReplayPolicy == "original" ? ConsumerConfigReplayPolicy.Original : ConsumerConfigReplayPolicy.Instant,
            AckWait = TimeSpan.FromSeconds(settings.AckWaitSeconds),
            SampleFreq = settings.SampleFrequency > 0 ? settings.SampleFrequency.ToString(CultureInfo.InvariantCulture) + "%" : null,
            NumReplicas = settings.NumReplicas,
            InactiveThreshold = TimeSpan.FromSeconds(settings.InactiveThresholdSeconds),
            RateLimitBps = Math.Max(0, settings.RateLimit),
            MaxAckPending = settings.MaxAckPending,
            MaxDeliver = settings.MaxDeliver,
            MaxWaiting = settings.MaxWaiting,
            MaxBatch = (int)Math.Clamp(settings.MaxBatch, -1, int.MaxValue),
            MaxBytes = settings.MaxBytes,
            MaxExpires = TimeSpan.FromSeconds(settings.MaxExpiresSeconds),
            DeliverPolicy = start <= 1 ? ConsumerConfigDeliverPolicy.All : ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = start <= 1 ? 0 : start,
        };
        // A server before 2.10 knows one filter subject only.
        if (settings.FilterSubjects.Count == 1) config.FilterSubject = settings.FilterSubjects[0];
        else if (settings.FilterSubjects.Count > 1) config.FilterSubjects = settings.FilterSubjects.ToList();
        try
        {
            try
            {
                js.DeleteConsumerAsync(stream, name).AsTask().GetAwaiter().GetResult();
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
                // No consumer left by an earlier run.
            }
            var consumer = js.CreateOrUpdateConsumerAsync(stream, config).AsTask().GetAwaiter().GetResult();
            _context.Log($"reading JetStream stream {stream} from sequence {Math.Max(start, 1)}");
            return consumer;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            throw new ExternalException($"JetStream stream '{stream}' does not exist on the NATS servers {_config.Servers} (table '{_table.Name}'): {e.Error.Description}");
        }
        catch (NatsJSApiException e)
        {
            throw new ExternalException($"NATS at {_config.Servers} refused the consumer for stream '{stream}' (table '{_table.Name}'): {e.Error.Description}");
        }
        catch (NatsException e)
        {
            throw new ExternalException($"cannot create a JetStream consumer for stream '{stream}' at {_config.Servers} (table '{_table.Name}'): {ConnectRetry.Reason(e)}");
        }
    }

    /// <summary>Receives until stopped; a consumer lost mid-run (server restarted, consumer removed) is recreated after the last received sequence.</summary>
    private async Task ReadStreamAsync(NatsJSContext js, string stream, INatsJSConsumer consumer, CancellationToken stop)
    {
        var lastReceived = _lastEmitted;
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var opts = new NatsJSConsumeOpts { MaxMsgs = (int)Math.Clamp(_config.Consumer.MaxBatch, 1, 1000) };
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: opts, cancellationToken: stop))
                {
                    var sequence = msg.Metadata?.Sequence.Stream ?? 0;
                    var time = msg.Metadata?.Timestamp ?? DateTimeOffset.UtcNow;
                    await _received.Writer.WriteAsync(new Received(msg.Data ?? [], sequence, Nanos(time)), stop);
                    lastReceived = Math.Max(lastReceived, sequence);
                    if (_config.Consumer.AckPolicy != "none") await msg.AckAsync(cancellationToken: stop);
                    delay = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _context.Warn($"reading JetStream stream '{stream}' at {_config.Servers}: {ConnectRetry.Reason(e)}; retrying");
            }
            try
            {
                await Task.Delay(delay, stop);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                consumer = await Task.Run(() => CreateConsumer(js, stream, lastReceived + 1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                _context.Warn($"recreating the consumer of stream '{stream}': {e.Message}");
            }
        }
    }

    /// <summary>Subscribes before returning (the server has the subscription once the ping came back), so nothing published after Open is missed.</summary>
    private INatsSub<byte[]> Subscribe(string subject)
    {
        var queueGroup = _context.Parallelism > 1 ? $"arroyo-{_context.Settings.PipelineId}-{_context.NodeId}" : null;
        var subscription = _connection!.SubscribeCoreAsync<byte[]>(subject, queueGroup).AsTask().GetAwaiter().GetResult();
        _connection.PingAsync().AsTask().GetAwaiter().GetResult();
        _context.Log($"subscribed to NATS subject {subject}" + (queueGroup is null ? "" : $" in queue group {queueGroup}"));
        return subscription;
    }

    private async Task ReadSubjectAsync(INatsSub<byte[]> subscription, CancellationToken stop)
    {
        try
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(stop))
            {
                await _received.Writer.WriteAsync(new Received(msg.Data ?? [], 0, Nanos(DateTimeOffset.UtcNow)), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await subscription.DisposeAsync();
        }
    }

    private static long Nanos(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public SourceStatus Poll(IOutput output)
    {
        if (_idle)
        {
            if (!_idleSent)
            {
                _context.Log($"stream {_config.Stream} is read by subtask 0; this subtask stays idle");
                output.EmitWatermark(Watermark.Idle);
                _idleSent = true;
            }
            return SourceStatus.Idle;
        }
        if (_receiving is { IsFaulted: true } failed) throw failed.Exception!.InnerException!;
        var read = 0;
        while (read < _batchSize && _received.Reader.TryRead(out var message))
        {
            read++;
            if (_config.Stream is not null)
            {
                // A redelivery of something already emitted (the ack was lost, or the consumer was recreated).
                if (message.Sequence <= _lastEmitted) continue;
                _lastEmitted = message.Sequence;
            }
            _reader.Add(message.Payload, message.TimestampNanos, () => Where(message.Sequence));
        }
        var batch = _reader.Flush();
        if (batch is not null) output.Emit(batch);
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    private string Where(ulong sequence) =>
        _config.Stream is { } stream ? $"stream {stream} sequence {sequence}" : $"subject {_config.Subject}";

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_config.Stream is { } stream && _lastEmitted > 0)
        {
            SourcePositions.Write(state, StateTable, new Dictionary<string, string> { [stream] = _lastEmitted.ToString(CultureInfo.InvariantCulture) });
        }
    }

    public void Close()
    {
        _reader.Close();
        _stop.Cancel();
        try
        {
            _receiving?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Its failure was reported by Poll, or the run is stopping anyway.
        }
        _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
