using System.Diagnostics;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Arroyo.TestServers;

/// <summary>
/// nats-server (Debian) with JetStream on 127.0.0.1, requiring the user <see cref="User"/> /
/// <see cref="Password"/>, so the tests can also show a refused password. Helpers publish to
/// subjects and streams and read subjects, as a client of the server would.
/// </summary>
public sealed class NatsServerFixture : DebianTestServer
{
    public const string User = "arroyo";
    public const string Password = "nats-test-pass";

    public int Port { get; private set; }

    public string Servers => $"127.0.0.1:{Port}";

    protected override string Name => "nats-server";

    protected override string Package => "nats-server";

    protected override string[] Binaries => ["/usr/sbin/nats-server", "/usr/bin/nats-server"];

    protected override void ChoosePorts() => Port = FreePort();

    protected override IEnumerable<int> ReadyPorts => [Port];

    protected override void Configure(ProcessStartInfo start)
    {
        // A config file for what the command line cannot say: the time a client has to
        // authenticate (2 s by default, too short on a loaded test machine).
        var config = Path.Combine(DataDir, "nats.conf");
        File.WriteAllText(config, $$"""
            listen: "127.0.0.1:{{Port}}"
            jetstream { store_dir: "{{Path.Combine(DataDir, "js")}}" }
            authorization { user: "{{User}}", password: "{{Password}}", timeout: 30 }
            """);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
    }

    public NatsConnection Connect() => new(new NatsOpts
    {
        Url = "nats://" + Servers,
        AuthOpts = new NatsAuthOpts { Username = User, Password = Password },
    });

    /// <summary>Creates a stream over <paramref name="subject"/> (file storage, so it survives a restart).</summary>
    public async Task CreateStreamAsync(string stream, string subject)
    {
        await using var connection = Connect();
        var js = new NatsJSContext(connection);
        await js.CreateStreamAsync(new StreamConfig(stream, [subject]) { Storage = StreamConfigStorage.File });
    }

    /// <summary>Publishes to a stream's subject, each message acknowledged by JetStream.</summary>
    public async Task PublishToStreamAsync(string subject, IEnumerable<string> messages)
    {
        await using var connection = Connect();
        var js = new NatsJSContext(connection);
        foreach (var message in messages)
        {
            var ack = await js.PublishAsync(subject, Encoding.UTF8.GetBytes(message));
            ack.EnsureSuccess();
        }
    }

    public async Task PublishAsync(string subject, IEnumerable<string> messages)
    {
        await using var connection = Connect();
        foreach (var message in messages) await connection.PublishAsync(subject, Encoding.UTF8.GetBytes(message));
        await connection.PingAsync();
    }

    /// <summary>Subscribes to <paramref name="subject"/> and collects what arrives, until disposed.</summary>
    public async Task<NatsCollector> CollectAsync(string subject)
    {
        var connection = Connect();
        await connection.ConnectAsync();
        var collector = new NatsCollector(connection);
        collector.Start(subject);
        await connection.PingAsync();
        return collector;
    }
}

/// <summary>Messages received on a subject since the subscription began.</summary>
public sealed class NatsCollector(NatsConnection connection) : IAsyncDisposable
{
    private readonly List<string> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _reading;

    internal void Start(string subject)
    {
        var ready = new TaskCompletionSource();
        _reading = Task.Run(async () =>
        {
            await using var subscription = await connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: _stop.Token);
            ready.TrySetResult();
            try
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync(_stop.Token))
                {
                    lock (_messages) _messages.Add(Encoding.UTF8.GetString(message.Data ?? []));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        ready.Task.Wait(TimeSpan.FromSeconds(10));
    }

    public List<string> Messages
    {
        get
        {
            lock (_messages) return [.. _messages];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_reading is not null) await _reading;
        await connection.DisposeAsync();
        _stop.Dispose();
    }
}
