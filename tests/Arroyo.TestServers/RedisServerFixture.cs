using StackExchange.Redis;

namespace Arroyo.TestServers;

/// <summary>
/// redis-server (Debian) on 127.0.0.1 with a password (<see cref="Password"/>) and an
/// append-only file fsynced on every write, so what it acknowledged survives a
/// <see cref="NativeTestServer.Kill"/> and restart. <see cref="Database"/> is a client for setting
/// up and reading back data. It also listens with TLS on <see cref="TlsPort"/> (Debian's redis-server is built with TLS).
/// </summary>
public sealed class RedisServerFixture : NativeTestServer
{
    public const string Password = "arroyo-test-secret";

    private ConnectionMultiplexer? _client;

    protected override string Name => "redis";

    protected override string Program => "redis-server";

    public string Address => $"redis://127.0.0.1:{Port}";

    /// <summary>The same server over TLS (server certificate of <see cref="Certificates"/>; clients need no certificate).</summary>
    public int TlsPort { get; private set; }

    public TestCertificates Certificates { get; private set; } = null!;

    protected override IEnumerable<string> Arguments()
    {
        if (TlsPort == 0)
        {
            TlsPort = FreePort();
            Certificates = TestCertificates.Create(Path.Combine(DataDir, "certs"));
        }
        return
        [
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", DataDir, "--requirepass", Password,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--tls-port", TlsPort.ToString(), "--tls-cert-file", Certificates.ServerCertFile, "--tls-key-file", Certificates.ServerKeyFile,
            "--tls-ca-cert-file", Certificates.CaFile, "--tls-auth-clients", "no",
        ];
    }

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
