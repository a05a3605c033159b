using System.Diagnostics;
using StackExchange.Redis;

namespace Arroyo.TestServers;

/// <summary>
/// A Redis Cluster of three masters (redis-server from Debian, <c>cluster-enabled yes</c>) on
/// 127.0.0.1 and free ports, joined with <c>redis-cli --cluster create … --cluster-replicas 0</c>
/// and ready once every node reports <c>cluster_state:ok</c>. No password: the nodes listen on
/// loopback only. <see cref="Database"/> is a cluster-aware client for reading back.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly Node[] _nodes = [new(), new(), new()];
    private ConnectionMultiplexer? _client;

    public string? SkipReason { get; private set; }

    public IReadOnlyList<int> Ports => _nodes.Select(n => n.Port).ToList();

    /// <summary>The value for <c>cluster.addresses</c>: every node's redis:// URL, comma-separated.</summary>
    public string Addresses => string.Join(",", _nodes.Select(n => $"redis://127.0.0.1:{n.Port}"));

    public void RequireRunning()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async ValueTask InitializeAsync()
    {
        foreach (var node in _nodes) await node.InitializeAsync();
        if (_nodes[0].SkipReason is { } reason)
        {
            SkipReason = reason;
            return;
        }
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--cluster", "create", .. _nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"])
        {
            create.ArgumentList.Add(arg);
        }
        using (var process = Process.Start(create) ?? throw new InvalidOperationException("cannot start redis-cli"))
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000) || process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed:\n{await output}\n{await error}");
            }
        }
        // The nodes agree on the slots a moment after the command returns.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var node in _nodes)
        {
            while (!ClusterInfo(node.Port).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"the cluster did not reach cluster_state:ok on port {node.Port}:\n{ClusterInfo(node.Port)}");
                await Task.Delay(200);
            }
        }
    }

    private static string ClusterInfo(int port)
    {
        var start = new ProcessStartInfo("redis-cli", ["-p", port.ToString(), "cluster", "info"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>A cluster-aware test client (follows MOVED redirections).</summary>
    public IDatabase Database
    {
        get
        {
            if (_client is null)
            {
                var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 5000 };
                foreach (var node in _nodes) options.EndPoints.Add("127.0.0.1", node.Port);
                _client = ConnectionMultiplexer.Connect(options);
            }
            return _client.GetDatabase();
        }
    }

    /// <summary>Which node holds <paramref name="key"/> (by its hash slot).</summary>
    public int PortOf(string key) => Database.IdentifyEndpoint(key) switch
    {
        System.Net.IPEndPoint ip => ip.Port,
        System.Net.DnsEndPoint dns => dns.Port,
        var other => throw new InvalidOperationException($"no node for key {key}: {other}"),
    };

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    /// <summary>One master: its own port, data dir and nodes.conf.</summary>
    private sealed class Node : NativeTestServer
    {
        protected override string Name => "redis-cluster-node";

        protected override string Program => "redis-server";

        protected override IEnumerable<string> Arguments() =>
        [
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", DataDir, "--cluster-enabled", "yes",
            "--cluster-config-file", Path.Combine(DataDir, "nodes.conf"), "--cluster-node-timeout", "5000",
            "--appendonly", "no", "--save", "", "--daemonize", "no",
        ];
    }
}
