using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Arroyo.TestServers;

/// <summary>
/// mosquitto (Debian) on 127.0.0.1 with a password file (<see cref="User"/> / <see cref="Password"/>,
/// no anonymous access) and persistence, so sessions and queued QoS 1 messages survive a
/// <see cref="NativeTestServer.Stop"/> and restart. <see cref="Publish"/> and <see cref="Subscribe"/>
/// are a test client. A second listener on <see cref="TlsPort"/> speaks TLS with a throwaway CA.
/// </summary>
public sealed class MosquittoFixture : NativeTestServer
{
    public const string User = "arroyo";
    public const string Password = "mqtt-test-secret";

    protected override string Name => "mosquitto";

    protected override string Program => "mosquitto";

    public string Url => $"tcp://127.0.0.1:{Port}";

    /// <summary>A second listener with TLS (server certificate of <see cref="Certificates"/>), same users and data.</summary>
    public int TlsPort { get; private set; }

    /// <summary>A third listener, TLS that also requires a client certificate signed by the CA (<see cref="TestCertificates.ClientCertFile"/>).</summary>
    public int MutualTlsPort { get; private set; }

    public TestCertificates Certificates { get; private set; } = null!;

    protected override IEnumerable<string> Arguments()
    {
        var passwords = Path.Combine(DataDir, "passwd");
        if (!File.Exists(passwords))
        {
            using var process = Process.Start(new ProcessStartInfo("mosquitto_passwd", ["-b", "-c", passwords, User, Password]) { UseShellExecute = false })!;
            process.WaitForExit();
        }
        if (TlsPort == 0)
        {
            TlsPort = FreePort();
            MutualTlsPort = FreePort();
            Certificates = TestCertificates.Create(Path.Combine(DataDir, "certs"));
        }
        var config = Path.Combine(DataDir, "mosquitto.conf");
        File.WriteAllText(config, $"""
            listener {Port} 127.0.0.1
            user {(Environment.UserName is { Length: > 0 } name ? name : "root")}
            allow_anonymous false
            password_file {passwords}
            persistence true
            persistence_location {DataDir}/
            autosave_interval 1
            max_queued_messages 100000
            listener {TlsPort} 127.0.0.1
            cafile {Certificates.CaFile}
            certfile {Certificates.ServerCertFile}
            keyfile {Certificates.ServerKeyFile}
            listener {MutualTlsPort} 127.0.0.1
            cafile {Certificates.CaFile}
            certfile {Certificates.ServerCertFile}
            keyfile {Certificates.ServerKeyFile}
            require_certificate true
            """);
        return ["-c", config];
    }

    private MqttClientOptions Options(string clientId, bool cleanStart = true) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", Port)
        .WithClientId(clientId)
        .WithCredentials(User, Password)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithCleanStart(cleanStart)
        .WithSessionExpiryInterval(cleanStart ? 0u : 3600u)
        .Build();

    /// <summary>Publishes each value to <paramref name="topic"/> with QoS 1 (acknowledged by the broker before this returns).</summary>
    public void Publish(string topic, IEnumerable<string> values, bool retain = false)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ConnectAsync(Options("test-pub-" + Guid.NewGuid().ToString("N")[..8])).GetAwaiter().GetResult();
        foreach (var value in values)
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(value))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();
            client.PublishAsync(message).GetAwaiter().GetResult();
        }
        client.DisconnectAsync().GetAwaiter().GetResult();
    }

    /// <summary>A subscriber with a persistent session (it keeps receiving across a broker restart), collecting payloads.</summary>
    public Subscriber Subscribe(string topic) => new(this, topic);

    public sealed class Subscriber : IDisposable
    {
        private readonly MosquittoFixture _broker;
        private readonly string _topic;
        private readonly string _id = "test-sub-" + Guid.NewGuid().ToString("N")[..8];
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly List<(string Topic, string Payload, bool Retained)> _messages = [];

        public Subscriber(MosquittoFixture broker, string topic)
        {
            _broker = broker;
            _topic = topic;
            _client.ApplicationMessageReceivedAsync += e =>
            {
                lock (_messages) _messages.Add((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Retain));
                return Task.CompletedTask;
            };
            Reconnect();
        }

        /// <summary>After a broker restart: the session resumes and queued messages arrive.</summary>
        public void Reconnect()
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                try
                {
                    if (_client.IsConnected) return;
                    var result = _client.ConnectAsync(_broker.Options(_id, cleanStart: false)).GetAwaiter().GetResult();
                    if (!result.IsSessionPresent)
                    {
                        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topic, MqttQualityOfServiceLevel.AtLeastOnce).Build())
                            .GetAwaiter().GetResult();
                    }
                    return;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(200);
                }
            }
        }

        public List<(string Topic, string Payload, bool Retained)> Messages
        {
            get { lock (_messages) return _messages.ToList(); }
        }

        public void Dispose() => _client.Dispose();
    }
}
