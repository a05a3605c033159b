using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Arroyo.Connectors.Messages;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Arroyo.Connectors.Mqtt;

/// <summary>
/// One subtask's MQTT client (MQTTnet, MQTT 5): client id <c>CLIENT_PREFIX_PIPELINE_NODE_SUBTASK</c>
/// (stable across runs on one state dir, so the broker resumes the session), keep-alive 10 s as
/// the reference, TLS for <c>mqtts://</c> and <c>ssl://</c>. The first connection is retried with
/// backoff for up to <see cref="ConnectDeadline"/> and then reported naming host and port;
/// refused credentials are reported at once. <see cref="EnsureConnected"/> reconnects after an
/// outage.
/// </summary>
internal sealed class MqttConnection : IDisposable
{
    public static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(20);

    private readonly MqttTableConfig _config;
    private readonly string _table;
    private readonly OperatorContext _context;
    private readonly MqttClientOptions _options;
    private long _nextAttempt;
    private TimeSpan _delay = TimeSpan.FromMilliseconds(200);

    /// <param name="persistentSession">Keep the broker's session (subscriptions, unacknowledged QoS 1/2 messages) across disconnects and runs.</param>
    public MqttConnection(MqttTableConfig config, string table, OperatorContext context, bool persistentSession)
    {
        _config = config;
        _table = table;
        _context = context;
        var clientId = $"{config.ClientPrefix}_{context.Settings.PipelineId}_{context.NodeId}_{context.SubtaskIndex}";
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(10))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithCleanStart(!persistentSession)
            .WithSessionExpiryInterval(persistentSession ? uint.MaxValue : 0)
            // Acknowledgements wait for the checkpoint: let the broker send that many before it waits.
            .WithReceiveMaximum(ushort.MaxValue);
        if (config.Username is not null) builder = builder.WithCredentials(config.Username, config.Password ?? "");
        if (config.MaxPacketSize is { } max) builder = builder.WithMaximumPacketSize(max);
        if (config.Tls) builder = builder.WithTlsOptions(Tls);
        _options = builder.Build();
        Client = new MqttClientFactory().CreateMqttClient();
    }

    public IMqttClient Client { get; }

    /// <summary>How many QoS 1/2 messages the broker accepts unacknowledged from this client (its CONNACK receive maximum).</summary>
    public int ServerReceiveMaximum { get; private set; } = ushort.MaxValue;

    public string Where => $"{_config.Host}:{_config.Port}";

    private void Tls(MqttClientTlsOptionsBuilder tls)
    {
        tls.UseTls();
        if (_config.TlsCa is { } ca)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(File.Exists(ca) ? File.ReadAllText(ca) : ca);
            tls.WithTrustChain(roots);
        }
        if (_config.TlsCert is { } cert && _config.TlsKey is { } key)
        {
            var certificate = X509Certificate2.CreateFromPem(File.Exists(cert) ? File.ReadAllText(cert) : cert, File.Exists(key) ? File.ReadAllText(key) : key);
            tls.WithClientCertificates([certificate]);
        }
    }

    /// <summary>The first connection: retried until <see cref="ConnectDeadline"/>, then an error naming host and port.</summary>
    public void Connect()
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var error = TryConnect();
            if (error is null) return;
            if (started.Elapsed + _delay > ConnectDeadline)
            {
                throw new ExternalException($"cannot connect to the MQTT broker at {Where} (table '{_table}') after {started.Elapsed.TotalSeconds:F0} s: {error}");
            }
            _context.Warn($"cannot connect to the MQTT broker at {Where} (table '{_table}'): {error}; retrying in {_delay.TotalSeconds:F1} s");
            Thread.Sleep(_delay);
            _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>
    /// After an outage: one connection attempt once the backoff since the last one passed. True
    /// when connected (again); <paramref name="reconnected"/> when this call made the connection.
    /// </summary>
    public bool EnsureConnected(out bool reconnected)
    {
        reconnected = false;
        if (Client.IsConnected) return true;
        if (Environment.TickCount64 < _nextAttempt) return false;
        var error = TryConnect();
        if (error is null)
        {
            _context.Log($"reconnected to the MQTT broker at {Where} (table '{_table}')");
            reconnected = true;
            return true;
        }
        _context.Warn($"cannot reconnect to the MQTT broker at {Where} (table '{_table}'): {error}; retrying in {_delay.TotalSeconds:F1} s");
        _nextAttempt = Environment.TickCount64 + (long)_delay.TotalMilliseconds;
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        return false;
    }

    /// <summary>Null when connected; otherwise why not. Refused credentials and an untrusted certificate throw: retrying cannot help.</summary>
    private string? TryConnect()
    {
        try
        {
            return TryConnectOnce();
        }
        catch (Exception e) when (ConnectRetry.TlsRefusal(e) is { } refusal)
        {
            throw new ExternalException($"the TLS certificate of the MQTT broker at {Where} is not trusted (table '{_table}'): {refusal}; " +
                                        (_config.TlsCa is null ? "set tls.ca to the CA that signed it" : "check that tls.ca is the CA that signed it"));
        }
    }

    private static bool IsTlsRefusal(Exception e) => ConnectRetry.TlsRefusal(e) is not null;

    private string? TryConnectOnce()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = Client.ConnectAsync(_options, timeout.Token).GetAwaiter().GetResult();
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                _delay = TimeSpan.FromMilliseconds(200);
                ServerReceiveMaximum = result.ReceiveMaximum is { } max and > 0 ? max : ushort.MaxValue;
                return null;
            }
            CheckRefusal(result.ResultCode);
            return result.ResultCode.ToString();
        }
        catch (Exception e) when (IsTlsRefusal(e))
        {
            throw;
        }
        catch (MqttConnectingFailedException e)
        {
            // The exception names the broker's CONNACK reason code in its message.
            foreach (var code in s_refusals)
            {
                if (e.Message.Contains(code.ToString(), StringComparison.Ordinal)) CheckRefusal(code);
            }
            return (e.InnerException ?? e).Message.Split('\n')[0];
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            return (e.InnerException ?? e).Message.Split('\n')[0];
        }
        catch (InvalidOperationException e)
        {
            // The client is still tearing down the lost connection: try again later.
            return e.Message;
        }
    }

    private static readonly MqttClientConnectResultCode[] s_refusals =
        [MqttClientConnectResultCode.BadUserNameOrPassword, MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadAuthenticationMethod];

    private void CheckRefusal(MqttClientConnectResultCode code)
    {
        if (s_refusals.Contains(code))
        {
            throw new ExternalException($"the MQTT broker at {Where} refused the credentials of table '{_table}' ({code}): check username and password");
        }
    }

    public static MqttQualityOfServiceLevel Level(MqttQos qos) => (MqttQualityOfServiceLevel)(int)qos;

    public void Dispose()
    {
        try
        {
            if (Client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                Client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException)
        {
            // Closing anyway.
        }
        Client.Dispose();
    }
}
