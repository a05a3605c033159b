using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Arroyo.TestServers;

/// <summary>
/// Base for xunit fixtures that run a server installed from Debian (redis-server, mosquitto;
/// scripts/install-test-deps.sh installs them) on 127.0.0.1 and a free port, with its data in a
/// temporary directory, and kill it on dispose. When the binary is missing the fixture records a
/// skip reason instead of failing. <see cref="Kill"/> (SIGKILL, as a crash) and
/// <see cref="RestartAsync"/> (same port, same data) simulate an outage.
/// </summary>
public abstract class NativeTestServer : IAsyncLifetime
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    public string? SkipReason { get; private set; }

    public int Port { get; private set; }

    protected string DataDir { get; private set; } = "";

    protected abstract string Name { get; }

    /// <summary>The program, e.g. <c>redis-server</c>, looked up on PATH and in /usr/sbin.</summary>
    protected abstract string Program { get; }

    protected abstract IEnumerable<string> Arguments();

    public void RequireRunning()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    public async ValueTask InitializeAsync()
    {
        var program = Find(Program);
        if (program is null)
        {
            SkipReason = $"{Program} is not installed (scripts/install-test-deps.sh installs it with apt-get)";
            return;
        }
        DataDir = Directory.CreateTempSubdirectory("arroyo-" + Name + "-").FullName;
        Port = FreePort();
        await StartAsync();
    }

    /// <summary>Kills the server at once (SIGKILL); the port and data dir stay reserved.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Stops the server with SIGTERM (it saves what it persists), waiting for it to exit.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            Posix.Kill(_process.Id, 15);
            if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port over the same data, after <see cref="Kill"/> or <see cref="Stop"/>.</summary>
    public async Task RestartAsync()
    {
        Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // The port may not be free yet.
                Kill();
                await Task.Delay(200);
            }
        }
    }

    private async Task StartAsync()
    {
        var start = new ProcessStartInfo(Find(Program)!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = DataDir };
        foreach (var arg in Arguments()) start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Program}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"{Name} did not listen on port {Port} within 30 s:\n{Output()}");
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
        }
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    public string Output()
    {
        lock (_output) return _output.ToString();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>A port nobody listens on now (also what tests use for "unreachable").</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Concat(["/usr/sbin", "/usr/bin", "/usr/local/bin"])
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists);

    private static class Posix
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
        public static extern int Kill(int pid, int signal);
    }
}
