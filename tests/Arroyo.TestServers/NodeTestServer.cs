using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Arroyo.TestServers;

/// <summary>
/// Base for xunit fixtures that run an npm-packaged storage server (s3rver, azurite) on
/// 127.0.0.1: installs the package into the repo's git-ignored .tools/ if needed, starts it on
/// a free port with a temporary data dir, waits until it accepts connections, and kills it on
/// dispose. Without node/npm on PATH the fixture records a skip reason instead of failing, so
/// the suite still runs on machines without them. <see cref="Kill"/> and
/// <see cref="RestartAsync"/> simulate an outage: the server comes back on the same port with
/// the same data.
/// </summary>
public abstract class NodeTestServer : IAsyncLifetime
{
    // Both fixtures may install at once; npm must not run twice over one prefix.
    private static readonly SemaphoreSlim s_installLock = new(1, 1);

    private Process? _process;
    private string? _dataDir;
    private string? _node;
    private string? _script;
    private readonly System.Text.StringBuilder _output = new();

    /// <summary>Set when the server cannot run here (no node); tests call <see cref="RequireRunning"/>.</summary>
    public string? SkipReason { get; private set; }

    public int Port { get; private set; }

    protected abstract string Name { get; }

    /// <summary>The script under .tools/node_modules/ to run with node.</summary>
    protected abstract string ScriptPath { get; }

    protected abstract IEnumerable<string> Arguments(int port, string dataDir);

    /// <summary>The npm packages installed into .tools/ when <see cref="ScriptPath"/> is missing.</summary>
    protected virtual string[] Packages => ["s3rver", "azurite"];

    /// <summary>What node is started with: the script and its arguments, unless a server needs a launcher (e.g. to bind to loopback).</summary>
    protected virtual IEnumerable<string> NodeArguments(string script, int port, string dataDir) => [script, .. Arguments(port, dataDir)];

    /// <summary>Creates buckets/containers once the server answers.</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public void RequireRunning()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public async ValueTask InitializeAsync()
    {
        var node = FindOnPath("node");
        var npm = FindOnPath("npm");
        if (node is null || npm is null)
        {
            SkipReason = $"{Name} tests need node and npm on PATH";
            return;
        }

        var root = RepoRoot();
        var tools = Path.Combine(root, ".tools");
        var script = Path.Combine(tools, "node_modules", ScriptPath);
        await s_installLock.WaitAsync();
        try
        {
            if (!File.Exists(script))
            {
                Directory.CreateDirectory(tools);
                var (code, output) = await RunAsync(npm, ["install", "--no-audit", "--no-fund", "--prefix", tools, .. Packages], TimeSpan.FromMinutes(5));
                if (code != 0 || !File.Exists(script))
                {
                    throw new InvalidOperationException($"npm install of {Name} failed (exit {code}):\n{output}");
                }
            }
        }
        finally
        {
            s_installLock.Release();
        }

        _script = script;
        _node = node;
        _dataDir = Directory.CreateTempSubdirectory("arroyo-" + Name + "-").FullName;
        Port = FreePort();
        await StartProcessAsync();
        await OnStartedAsync();
    }

    /// <summary>Kills the server at once (SIGKILL), as an outage would; the port and data dir stay reserved.</summary>
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

    /// <summary>Starts the server again on the same port over the same data dir, after <see cref="Kill"/>.</summary>
    public async Task RestartAsync()
    {
        Kill();
        // The port was released by the kill; retry briefly in case the OS has not freed it yet.
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
                await Task.Delay(200);
            }
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(_node!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in NodeArguments(_script!, Port, _dataDir!))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Name}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        if (_dataDir is not null)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        await OnDisposedAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a subclass started beside the server (helper endpoints, files).</summary>
    protected virtual ValueTask OnDisposedAsync() => ValueTask.CompletedTask;

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{Name} did not listen on port {Port} within {timeout}:\n{Output()}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Arroyo.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Arroyo.slnx) above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
