using System.Threading.Channels;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// What the sse, websocket and polling_http sources share. An endpoint cannot be split, so
/// only subtask 0 reads; the others declare themselves idle so they never hold the watermark
/// back. Subtask 0 talks to the server on a background task (the runtime's poll loop must stay
/// free to take checkpoints) which hands whole messages over through a bounded channel: when the
/// pipeline is slow the channel fills and the reader stops reading, so the server's TCP window
/// pushes back. <see cref="Poll"/> drains the channel, lets the source update its checkpointed
/// position message by message (<see cref="Accept"/>), decodes, and stamps rows with the time
/// they were read. A broken connection is reopened with backoff as <see cref="Reachability"/>
/// says (a Polly pipeline, <see cref="HttpRetry"/>); a failure that ends the run is thrown from <see cref="Poll"/> once every message read
/// before it was emitted.
/// </summary>
internal abstract class StreamingSource : ISource
{
    /// <summary>One message: <see cref="Payload"/> is null for one that only moves the position (an SSE event filtered out).</summary>
    protected readonly record struct Message(byte[]? Payload, string? EventId = null);

    private readonly Channel<Message> _messages = Channel.CreateBounded<Message>(
        new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly RecordDecoder _decoder;
    private readonly FormatSettings _format;
    private readonly Backoff _backoff = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
    private readonly Reachability _reachability = new();
    private readonly Polly.ResiliencePipeline _retry;
    private readonly int _batchSize;
    private Task? _reader;
    private volatile Exception? _failure;
    private bool _idleSent;
    private long _dropped;

    protected StreamingSource(SourceSpec spec, OperatorContext context, Uri endpoint)
    {
        Table = spec.Table;
        Context = context;
        EndpointUri = endpoint;
        _format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _decoder = RecordDecoder.Create(_format, spec.Output, spec.Usage);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
        // The source's own backoff sets the delays: it starts over once data flows, which a Polly attempt count cannot.
        _retry = HttpRetry.Create(_reachability, e => e is not UserException && !IsRefusal(e), (failure, delay, _) => WarnRetry(failure, delay), NextDelay);
    }

    protected ConnectorTable Table { get; }

    protected OperatorContext Context { get; private set; }

    protected Uri EndpointUri { get; }

    /// <summary>"SSE", "websocket", "polling HTTP": how errors name the endpoint.</summary>
    protected abstract string Kind { get; }

    /// <summary>The shortest wait before reconnecting (polling: the poll interval; SSE: the server's <c>retry</c>).</summary>
    protected virtual TimeSpan MinimumRetryDelay => TimeSpan.Zero;

    private bool Reads => Context.SubtaskIndex == 0;

    public void Open(OperatorContext context)
    {
        Context = context;
        if (!Reads) return;
        Restore(context.State);
        _reader = Task.Run(() => ReadAsync(_stop.Token));
    }

    /// <summary>Reads the position this source checkpoints (subtask 0 only, which holds it at any parallelism).</summary>
    protected abstract void Restore(IStateReader state);

    /// <summary>
    /// Connects and hands over messages through <paramref name="connection"/> until the server
    /// ends the stream (return) or the connection fails (throw); called again after a backoff.
    /// </summary>
    protected abstract Task ReadConnectionAsync(Connection connection, CancellationToken cancel);

    /// <summary>Called on the subtask thread for each message in order, before it is decoded; false to skip it.</summary>
    protected virtual bool Accept(in Message message) => message.Payload is not null;

    public SourceStatus Poll(IOutput output)
    {
        if (!Reads)
        {
            if (!_idleSent)
            {
                output.EmitWatermark(Watermark.Idle);
                _idleSent = true;
            }
            return SourceStatus.Idle;
        }
        var read = 0;
        while (read < _batchSize && _messages.Reader.TryRead(out var message))
        {
            read++;
            if (Accept(message)) Decode(message.Payload!);
        }
        var batch = _decoder.Flush(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        if (batch is not null) output.Emit(batch);
        if (read == 0 && _failure is { } failure) throw failure;
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    /// <summary><c>framing = 'newline'</c>: each non-empty line is a record; otherwise the whole message is one.</summary>
    private void Decode(ReadOnlySpan<byte> payload)
    {
        if (!_format.NewlineFraming)
        {
            DecodeRecord(payload);
            return;
        }
        foreach (var range in payload.Split((byte)'\n'))
        {
            var line = payload[range];
            if (line.IsEmpty) continue;
            if (_format.MaxLineLength is { } max && line.Length > max)
            {
                BadData($"line of {line.Length} bytes is longer than framing.newline.max_length ({max})");
                continue;
            }
            DecodeRecord(line);
        }
    }

    private void DecodeRecord(ReadOnlySpan<byte> record)
    {
        if (!_decoder.TryDecode(record, out var error)) BadData(error!);
    }

    private void BadData(string error)
    {
        if (Table.BadData == BadDataPolicy.Drop)
        {
            if (_dropped++ == 0) Context.Warn($"dropping messages from the {Kind} endpoint {Endpoint.HostPort(EndpointUri)} that do not parse (bad_data = 'drop'), first: {error}");
            Context.Metrics.DeserializationError();
            return;
        }
        throw new BadDataException($"bad data from the {Kind} endpoint {Endpoint.HostPort(EndpointUri)} (table '{Table.Name}'): {error}");
    }

    private async Task ReadAsync(CancellationToken cancel)
    {
        var connection = new Connection(this, cancel);
        try
        {
            await _retry.ExecuteAsync(async (c, token) =>
            {
                await ReadConnectionAsync(c, token);
                // Polly retries failures, and a stream the server ended is one: reconnect.
                throw new StreamEndedException();
            }, connection, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (UserException e)
        {
            _failure = e;
        }
        catch (HttpStatusFailure e) when (IsRefusal(e))
        {
            _failure = new ExternalException($"the {Kind} endpoint {Endpoint.HostPort(EndpointUri)} refused the connection of table '{Table.Name}': {e.Message}" +
                                             (e.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden ? " (check the credentials in headers)" : "")) { Restartable = false };
        }
        catch (Exception e)
        {
            _failure = new ExternalException($"cannot connect to the {Kind} endpoint {Endpoint.HostPort(EndpointUri)} (table '{Table.Name}'): {Failures.Describe(e)}; " +
                                             $"gave up after {_backoff.Failures + 1} attempts in {Reachability.Patience.TotalSeconds:0} s") { Restartable = false };
        }
    }

    /// <summary>Bad credentials, a wrong path or method before the endpoint ever answered: a retry does not fix them.</summary>
    private bool IsRefusal(Exception e) => !_reachability.Reached && e is HttpStatusFailure { IsPermanent: true };

    private TimeSpan NextDelay()
    {
        var delay = _backoff.Next();
        return delay < MinimumRetryDelay ? MinimumRetryDelay : delay;
    }

    private void WarnRetry(Exception failure, TimeSpan delay)
    {
        if (!_reachability.ShouldWarn()) return;
        Context.Warn($"{Kind} endpoint {Endpoint.HostPort(EndpointUri)}: {Failures.Describe(failure)}; reconnecting in {delay.TotalMilliseconds:0} ms (attempt {_backoff.Failures})");
    }

    private sealed class StreamEndedException() : Exception("the server ended the stream");

    /// <summary>Writes the position (subtask 0 only has one); the default keeps none.</summary>
    public virtual void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
    }

    public virtual void Close()
    {
        if (_dropped > 0) Context.Warn($"dropped {_dropped} messages that did not parse");
        _stop.Cancel();
        try
        {
            _reader?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The reader reports its failures through _failure; nothing is left to say while closing.
        }
        _stop.Dispose();
    }

    /// <summary>What <see cref="ReadConnectionAsync"/> reports through: connected, a message, progress.</summary>
    protected sealed class Connection(StreamingSource source, CancellationToken cancel)
    {
        /// <summary>The endpoint accepted the connection (or answered a poll): from now on failures are retried indefinitely.</summary>
        public void Connected()
        {
            if (source._backoff.Failures > 0)
            {
                source.Context.Log($"connected to the {source.Kind} endpoint {Endpoint.HostPort(source.EndpointUri)}");
            }
            source._reachability.Succeeded();
        }

        /// <summary>Hands over a message; waits while the channel is full (backpressure). Receiving data resets the backoff.</summary>
        public ValueTask WriteAsync(Message message)
        {
            source._backoff.Reset();
            return source._messages.Writer.WriteAsync(message, cancel);
        }
    }
}
