using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Arroyo.TestServers;

/// <summary>
/// Base for xunit fixtures that run a server from a Debian package (nats-server,
/// rabbitmq-server), installed by scripts/install-test-deps.sh: started as a private process on
/// 127.0.0.1 and free ports with a temporary data dir, never the package's system service;
/// ready once its ports accept connections; killed on dispose. Without the binary the fixture
/// records a skip reason instead of failing. <see cref="Kill"/> and <see cref="RestartAsync"/>
/// simulate an outage: the server comes back on the same ports with the same data.
/// </summary>
public abstract class DebianTestServer : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public string? SkipReason { get; private set; }

    /// <summary>The server's data directory (deleted on dispose).</summary>
    protected string DataDir { get; private set; } = "";

    protected abstract string Name { get; }

    /// <summary>The package that provides the server, for the skip reason.</summary>
    protected abstract string Package { get; }

    /// <summary>Where the binary may be (the first that exists is used).</summary>
    protected abstract string[] Binaries { get; }

    /// <summary>Picks the ports (called once, before the first start).</summary>
    protected abstract void ChoosePorts();

    /// <summary>The ports that must accept connections before the server counts as started.</summary>
    protected abstract IEnumerable<int> ReadyPorts { get; }

    protected abstract void Configure(ProcessStartInfo start);

    protected virtual TimeSpan StartTimeout => TimeSpan.FromSeconds(60);

    /// <summary>Work once the server answers (create users, streams…).</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    /// <summary>Called after the process was killed (e.g. to stop a helper daemon it left).</summary>
    protected virtual void OnKilled()
    {
    }

    public void RequireRunning()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async ValueTask InitializeAsync()
    {
        if (Binaries.FirstOrDefault(File.Exists) is null)
        {
            SkipReason = $"{Name} tests need {Binaries[0]} (Debian package {Package}; scripts/install-test-deps.sh installs it)";
            return;
        }
        DataDir = Directory.CreateTempSubdirectory("arroyo-" + Name + "-").FullName;
        ChoosePorts();
        await StartProcessAsync();
        await OnStartedAsync();
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
        OnKilled();
    }

    public async Task RestartAsync()
    {
        Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await StartProcessAsync();
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Kill();
                await Task.Delay(500);
            }
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(Binaries.First(File.Exists)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Configure(start);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Name}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in ReadyPorts)
        {
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output()}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not listen on port {port} within {StartTimeout}:\n{Output()}");
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        if (DataDir.Length > 0)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    protected string Output()
    {
        lock (_output) return _output.ToString();
    }

    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
