using StackExchange.Redis;

namespace Arroyo.TestServers;

/// <summary>
/// redis-server (Debian) on 127.0.0.1 with a password (<see cref="Password"/>) and an
/// append-only file fsynced on every write, so what it acknowledged survives a
/// <see cref="NativeTestServer.Kill"/> and restart. <see cref="Database"/> is a client for setting
/// up and reading back data.
/// </summary>
public sealed class RedisServerFixture : NativeTestServer
{
    public const string Password = "arroyo-test-secret";

    private ConnectionMultiplexer? _client;

    protected override string Name => "redis";

    protected override string Program => "redis-server";

    public string Address => $"redis://127.0.0.1:{Port}";

    protected override IEnumerable<string> Arguments() =>
    [
        "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", DataDir, "--requirepass", Password,
        "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
    ];

    /// <summary>A test client (reconnects after a restart).</summary>
    public IDatabase Database
    {
        get
        {
            _client ??= ConnectionMultiplexer.Connect(new ConfigurationOptions
            {
                EndPoints = { { "127.0.0.1", Port } },
                Password = Password,
                AbortOnConnectFail = false,
                ConnectTimeout = 5000,
            });
            return _client.GetDatabase();
        }
    }
}
