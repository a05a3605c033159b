using System.Diagnostics;
using System.Net;
using System.Text;
using RabbitMQ.Stream.Client;
using RabbitMQ.Stream.Client.Reliable;

namespace Arroyo.TestServers;

/// <summary>
/// A private rabbitmq-server node (Debian) with the stream plugin: its own config, data and
/// log dirs, node name, Erlang distribution and epmd ports; AMQP and stream listeners on
/// 127.0.0.1, the stream listener also with TLS on <see cref="StreamTlsPort"/> (the node's epmd binds its private port on every interface: limiting it to
/// loopback made the node hang at start).
/// Erlang starts slowly (20 s on an idle machine, minutes on a loaded one), so tests share one per class. The default user
/// guest/guest may connect from loopback. Helpers create streams and publish to them.
/// </summary>
public sealed class RabbitMqFixture : DebianTestServer
{
    public const string User = "guest";
    public const string Password = "guest";

    private int _amqpPort;
    private int _distPort;
    private int _epmdPort;

    public int StreamPort { get; private set; }

    /// <summary>The stream protocol over TLS (server certificate of <see cref="Certificates"/>; no client certificate asked).</summary>
    public int StreamTlsPort { get; private set; }

    public TestCertificates Certificates { get; private set; } = null!;

    protected override string Name => "rabbitmq-server";

    protected override string Package => "rabbitmq-server";

    protected override string[] Binaries => ["/usr/lib/rabbitmq/bin/rabbitmq-server"];

    protected override TimeSpan StartTimeout => TimeSpan.FromSeconds(300);

    protected override void ChoosePorts()
    {
        _amqpPort = FreePort();
        StreamPort = FreePort();
        _distPort = FreePort();
        _epmdPort = FreePort();
        StreamTlsPort = FreePort();
        Certificates = TestCertificates.Create(Path.Combine(DataDir, "certs"));
        File.WriteAllText(Path.Combine(DataDir, "rabbitmq.conf"),
            $"""
            listeners.tcp.default = 127.0.0.1:{_amqpPort}
            stream.listeners.tcp.1 = 127.0.0.1:{StreamPort}
            stream.listeners.ssl.1 = 127.0.0.1:{StreamTlsPort}
            stream.advertised_host = 127.0.0.1
            stream.advertised_port = {StreamPort}
            stream.advertised_tls_port = {StreamTlsPort}
            ssl_options.cacertfile = {Certificates.CaFile}
            ssl_options.certfile = {Certificates.ServerCertFile}
            ssl_options.keyfile = {Certificates.ServerKeyFile}
            ssl_options.verify = verify_none
            ssl_options.fail_if_no_peer_cert = false
            """);
        File.WriteAllText(Path.Combine(DataDir, "enabled_plugins"), "[rabbitmq_stream].");
    }

    protected override IEnumerable<int> ReadyPorts => [_amqpPort, StreamPort, StreamTlsPort];

    protected override void Configure(ProcessStartInfo start)
    {
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(DataDir, "rabbitmq");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(DataDir, "enabled_plugins");
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(DataDir, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(DataDir, "log");
        start.Environment["RABBITMQ_LOGS"] = "-";
        start.Environment["RABBITMQ_NODENAME"] = $"arroyo-test-{StreamPort}@localhost";
        start.Environment["RABBITMQ_DIST_PORT"] = _distPort.ToString();
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
        // The Erlang cookie goes into HOME: keep it in the private dir.
        start.Environment["HOME"] = DataDir;
    }

    /// <summary>The node starts an epmd daemon on its private port; it outlives the node, so stop it too.</summary>
    protected override void OnKilled()
    {
        if (!File.Exists("/usr/bin/epmd") && !File.Exists("/usr/lib/erlang/bin/epmd")) return;
        var epmd = File.Exists("/usr/bin/epmd") ? "/usr/bin/epmd" : "/usr/lib/erlang/bin/epmd";
        var start = new ProcessStartInfo(epmd) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-port");
        start.ArgumentList.Add(_epmdPort.ToString());
        start.ArgumentList.Add("-kill");
        using var process = Process.Start(start);
        process?.WaitForExit(10_000);
    }

    private async Task<StreamSystem> SystemAsync() => await StreamSystem.Create(new StreamSystemConfig
    {
        UserName = User,
        Password = Password,
        Endpoints = [new IPEndPoint(IPAddress.Loopback, StreamPort)],
    });

    public async Task CreateStreamAsync(string stream)
    {
        var system = await SystemAsync();
        await system.CreateStream(new StreamSpec(stream));
        await system.Close();
    }

    /// <summary>
    /// Publishes and waits until the broker confirmed every message. Right after a restart the
    /// node accepts connections a moment before its streams are available again: retried.
    /// </summary>
    public async Task PublishAsync(string stream, IEnumerable<string> messages)
    {
        var list = messages.ToList();
        var confirmed = 0;
        var done = new TaskCompletionSource();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        StreamSystem system;
        Producer producer;
        while (true)
        {
            system = await SystemAsync();
            try
            {
                producer = await Producer.Create(new ProducerConfig(system, stream)
                {
                    ConfirmationHandler = _ =>
                    {
                        if (Interlocked.Increment(ref confirmed) == list.Count) done.TrySetResult();
                        return Task.CompletedTask;
                    },
                });
                break;
            }
            catch (CreateProducerException) when (DateTime.UtcNow < deadline)
            {
                await system.Close();
                await Task.Delay(500);
            }
        }
        foreach (var message in list) await producer.Send(new Message(Encoding.UTF8.GetBytes(message)));
        if (list.Count > 0) await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await producer.Close();
        await system.Close();
    }
}
