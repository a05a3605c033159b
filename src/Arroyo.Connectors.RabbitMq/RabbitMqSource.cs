using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Arroyo.Connectors.Messages;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using RabbitMQ.Stream.Client;
using RabbitMQ.Stream.Client.Reliable;

namespace Arroyo.Connectors.RabbitMq;

/// <summary>
/// Reads a RabbitMQ stream, exactly once. A stream is one ordered log, so subtask 0 reads it
/// and the others stay idle. The offset of the last message emitted is checkpointed (state
/// table <c>s</c>: stream → offset, read whole on restore, so any parallelism resumes) and a
/// restored run starts at the offset after it; without state <c>source.offset</c> decides
/// (first, last, next). When the broker goes away the client's consumer reconnects by itself;
/// once it has (or if it gives up and closes: the stream was not back in time after a broker
/// restart) the source connects anew and resumes after the last message emitted, trying again
/// with a growing pause while the broker stays away: a subscription the client renewed itself
/// after a restart was seen to deliver nothing. An offset at or below the last emitted is skipped. Messages arrive on
/// the client's threads into a bounded channel (the client's credit flow waits while it is
/// full) that <see cref="Poll"/> drains.
/// </summary>
internal sealed class RabbitMqSource : ISource
{
    internal const string StateTable = "s";

    private readonly ConnectorTable _table;
    private readonly RabbitMqTableConfig _config;
    private readonly MessageReader _reader;
    private readonly Channel<Received> _received = Channel.CreateBounded<Received>(new BoundedChannelOptions(8192) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly int _batchSize;
    private OperatorContext _context;
    private StreamSystem? _system;
    private Consumer? _consumer;
    private ulong? _lastEmitted;
    private bool _idleSent;
    // Set from the client's thread when its consumer closes on its own; the source then opens a new one.
    private volatile string? _lostBecause;
    private long _nextAttempt;
    private TimeSpan _pause = FirstPause;
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);
    // After a lost connection a subscription (the client's renewed one, or the source's own) was
    // seen to deliver nothing although the stream held messages past its offset. So from a loss
    // until the next delivery, the source subscribes again whenever StallWait passes without one
    // (the wait doubling up to LongestStallWait). A stream that is merely quiet costs a reconnection
    // now and then until its next message: RabbitMQ 3.10 has no stream statistics to tell the two apart.
    private static readonly TimeSpan FirstStallWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LongestStallWait = TimeSpan.FromSeconds(60);
    private TimeSpan _stallWait = FirstStallWait;
    // Environment.TickCount64 of the loss or of the last resubscription while no delivery has come since; 0 = none awaited.
    private long _awaitingSince;
    // Environment.TickCount64 of the last message the client handed over (written on the client's threads).
    private long _lastDelivery;

    private readonly record struct Received(byte[] Payload, ulong Offset, long TimestampNanos);

    public RabbitMqSource(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _config = (RabbitMqTableConfig)spec.Table.Config;
        _context = context;
        _reader = new MessageReader(spec, context);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        if (SourcePositions.Read(context.State, StateTable).TryGetValue(_config.Stream, out var saved))
        {
            _lastEmitted = ulong.Parse(saved, CultureInfo.InvariantCulture);
        }
        if (context.SubtaskIndex != 0) return;
        _system = ConnectRetry.Run(Connect, IsPermanent, Describe, context);
        if (!_system.StreamExists(_config.Stream).GetAwaiter().GetResult())
        {
            throw new ExternalException($"stream '{_config.Stream}' does not exist on RabbitMQ at {_config.Address} (virtual host '{_config.VirtualHost}', table '{_table.Name}')");
        }
        _consumer = CreateConsumer(_system);
        context.Log(_lastEmitted is { } resumed
            ? $"reading RabbitMQ stream {_config.Stream} from offset {resumed + 1}"
            : $"reading RabbitMQ stream {_config.Stream} from source.offset = '{_config.StartOffset.ToString().ToLowerInvariant()}'");
    }

    private Consumer CreateConsumer(StreamSystem system)
    {
        IOffsetType offset = _lastEmitted is { } last
            ? new OffsetTypeOffset(last + 1)
            : _config.StartOffset switch
            {
                RabbitMqStartOffset.First => new OffsetTypeFirst(),
                RabbitMqStartOffset.Next => new OffsetTypeNext(),
                _ => new OffsetTypeLast(),
            };
        var stop = _stop.Token;
        var config = new ConsumerConfig(system, _config.Stream)
        {
            OffsetSpec = offset,
            ClientProvidedName = $"arroyo-{_context.Settings.PipelineId}-{_context.Name}",
            MessageHandler = async (_, _, messageContext, message) =>
            {
                var payload = message.Data is { } data ? data.Contents.ToArray() : [];
                var nanos = (long)messageContext.Timestamp.TotalMilliseconds * 1_000_000;
                Volatile.Write(ref _lastDelivery, Environment.TickCount64);
                await _received.Writer.WriteAsync(new Received(payload, messageContext.Offset, nanos), stop);
            },
        };
        config.StatusChanged += status =>
        {
            // On the client's thread: only note what happened, never block here.
            if (stop.IsCancellationRequested) return;
            if (status.To == ReliableEntityStatus.Reconnection)
            {
                _context.Warn($"lost RabbitMQ stream {_config.Stream} at {_config.Address} ({status.Reason}); the client is reconnecting");
                Interlocked.Exchange(ref _awaitingSince, Environment.TickCount64);
            }
            else if (status.To == ReliableEntityStatus.Open && status.From == ReliableEntityStatus.Reconnection)
            {
                // The client subscribed again on its own, but after a broker restart that
                // subscription sometimes delivers nothing (the stream's member not yet back when
                // it subscribed): the source opens its own from the offset after the last message
                // emitted instead, once what was delivered is read. Two in-order deliveries that
                // overlap lose nothing: offsets at or below the last emitted are skipped.
                _lostBecause = "the client reconnected";
            }
            else if (status.To == ReliableEntityStatus.Closed && status.Reason != ChangeStatusReason.ClosedByUser)
            {
                _lostBecause = status.Reason.ToString();
                Interlocked.Exchange(ref _awaitingSince, Environment.TickCount64);
            }
        };
        return Consumer.Create(config).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Opens a new connection and consumer after the client closed its own, from the offset after
    /// the last message emitted; while that fails the broker is tried again after a pause that
    /// doubles up to 30 s. Messages the old consumer delivered are still read before it.
    /// </summary>
    private void Reopen()
    {
        if (Environment.TickCount64 < _nextAttempt) return;
        var reason = _lostBecause;
        try
        {
            try
            {
                _consumer?.Close().Wait(TimeSpan.FromSeconds(5));
                _system?.Close().Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // Closing what the broker already dropped.
            }
            _consumer = null;
            _system = Connect();
            if (!_system.StreamExists(_config.Stream).GetAwaiter().GetResult())
            {
                throw new ExternalException($"stream '{_config.Stream}' does not exist (yet)");
            }
            _lostBecause = null;
            _consumer = CreateConsumer(_system);
            _pause = FirstPause;
            Interlocked.Exchange(ref _awaitingSince, Environment.TickCount64);
            _context.Log($"reading RabbitMQ stream {_config.Stream} again from offset {(_lastEmitted is { } last ? (last + 1).ToString(CultureInfo.InvariantCulture) : "the start")}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _context.Warn($"RabbitMQ stream {_config.Stream} at {_config.Address} is still unavailable ({reason}; {ConnectRetry.Reason(e)}); trying again in {_pause.TotalSeconds:0} s");
            _nextAttempt = Environment.TickCount64 + (long)_pause.TotalMilliseconds;
            _pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, _pause.Ticks * 2));
        }
    }

    private StreamSystem Connect()
    {
        var endpoint = IPAddress.TryParse(_config.Host, out var ip)
            ? (EndPoint)new IPEndPoint(ip, _config.Port)
            : new DnsEndPoint(_config.Host, _config.Port);
        var config = new StreamSystemConfig
        {
            UserName = VarStr.Substitute(_config.Username, _table.Name),
            Password = VarStr.Substitute(_config.Password, _table.Name),
            VirtualHost = _config.VirtualHost,
            Endpoints = [endpoint],
            ClientProvidedName = "arroyo",
        };
        // Behind a load balancer the brokers' advertised addresses are not reachable: every connection goes to the given one.
        if (_config.LoadBalancerMode) config.AddressResolver = new AddressResolver(endpoint);
        if (_config.TlsEnabled) config.Ssl = Tls();
        return StreamSystem.Create(config).GetAwaiter().GetResult();
    }

    /// <summary>tls_config.*: trust every certificate, or a root CA file, and a client certificate with its key (PEM files).</summary>
    private SslOption Tls()
    {
        var ssl = new SslOption { Enabled = true, ServerName = _config.Host };
        if (_config.TlsTrustCertificates)
        {
            ssl.AcceptablePolicyErrors = SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch |
                                         SslPolicyErrors.RemoteCertificateNotAvailable;
        }
        else if (_config.TlsRootCertificatesPath is { } rootPath)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(rootPath);
            ssl.CertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        if (_config.TlsClientCertificatesPath is { } certPath)
        {
            ssl.Certs = [X509Certificate2.CreateFromPemFile(certPath, _config.TlsClientKeysPath)];
        }
        return ssl;
    }

    private string Describe(Exception e) => ConnectRetry.TlsRefusal(e) is { } refusal
        ? $"the TLS certificate of RabbitMQ at {_config.Address} is not trusted (table '{_table.Name}'): {refusal}; " +
          "set tls_config.root_certificates_path to the CA that signed it (or tls_config.trust_certificates = 'true' to skip the check)"
        : $"cannot connect to RabbitMQ at {_config.Address} (table '{_table.Name}'): {ConnectRetry.Reason(e)}";

    private static bool IsPermanent(Exception e) =>
        ConnectRetry.TlsRefusal(e) is not null || e is AuthenticationFailureException or VirtualHostAccessFailureException or FileNotFoundException or System.Security.Cryptography.CryptographicException ||
        ConnectRetry.Reason(e).Contains("authentication", StringComparison.OrdinalIgnoreCase);


    public SourceStatus Poll(IOutput output)
    {
        if (_context.SubtaskIndex == 0 && _lostBecause is null) WatchForStall();
        if (_context.SubtaskIndex == 0 && _lostBecause is not null && _received.Reader.Count == 0) Reopen();
        if (_consumer is null && _context.SubtaskIndex != 0)
        {
            if (!_idleSent)
            {
                _context.Log($"stream {_config.Stream} is read by subtask 0; this subtask stays idle");
                output.EmitWatermark(Watermark.Idle);
                _idleSent = true;
            }
            return SourceStatus.Idle;
        }
        var read = 0;
        while (read < _batchSize && _received.Reader.TryRead(out var message))
        {
            read++;
            if (message.Offset <= _lastEmitted) continue;
            _lastEmitted = message.Offset;
            _reader.Add(message.Payload, message.TimestampNanos, () => $"stream {_config.Stream} offset {message.Offset}");
        }
        var batch = _reader.Flush();
        if (batch is not null) output.Emit(batch);
        return read == 0 ? SourceStatus.Idle : SourceStatus.Continue;
    }

    /// <summary>Asks for a new subscription when none has delivered for the stall wait since a loss (see <see cref="FirstStallWait"/>).</summary>
    private void WatchForStall()
    {
        var since = Interlocked.Read(ref _awaitingSince);
        if (since == 0 || _consumer is null) return;
        if (Volatile.Read(ref _lastDelivery) > since)
        {
            Interlocked.CompareExchange(ref _awaitingSince, 0, since);
            _stallWait = FirstStallWait;
            return;
        }
        if (Environment.TickCount64 - since < (long)_stallWait.TotalMilliseconds) return;
        _lostBecause = $"nothing delivered for {_stallWait.TotalSeconds:0} s since the connection was lost";
        _stallWait = TimeSpan.FromTicks(Math.Min(LongestStallWait.Ticks, _stallWait.Ticks * 2));
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_lastEmitted is { } offset)
        {
            SourcePositions.Write(state, StateTable, new Dictionary<string, string> { [_config.Stream] = offset.ToString(CultureInfo.InvariantCulture) });
        }
    }

    public void Close()
    {
        _reader.Close();
        _stop.Cancel();
        try
        {
            _consumer?.Close().Wait(TimeSpan.FromSeconds(5));
            _system?.Close().Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Closing a connection the broker already dropped.
        }
        _stop.Dispose();
    }
}
