using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Arroyo.EndToEnd.Tests.Support;

/// <summary>Runs the real CLI (arroyo.dll from this test's output directory) as a child process.</summary>
public sealed class ArroyoProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ArroyoProcess(Process process)
    {
        _process = process;
    }

    public static string CliPath => Path.Combine(AppContext.BaseDirectory, "arroyo.dll");

    /// <summary>Where the tests' runs cache compiled UDF assemblies (keyed by content, so runs share it safely).</summary>
    public static string UdfCacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "arroyo-tests-udf-cache");

    public int Id => _process.Id;

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static ArroyoProcess Start(IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(CliPath);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // A clean environment for the child: no ARROYO__ settings leak in from the test runner.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ARROYO__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        // Compiled UDFs are cached under the temp dir, not the user's ~/.cache (a test may override it).
        info.Environment["ARROYO__RUN__UDF_CACHE_DIR"] = UdfCacheDirectory;
        if (environment is not null)
        {
            foreach (var (key, value) in environment) info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var result = new ArroyoProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (result._stdout) result._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (result._stderr) result._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return result;
    }

    /// <summary>Runs to completion (or kills it after <paramref name="timeout"/> and fails).</summary>
    public static RunOutcome Run(IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null,
        TimeSpan? timeout = null, string? workingDirectory = null)
    {
        using var process = Start(args, stdin, environment, workingDirectory);
        return process.WaitForExit(timeout ?? TimeSpan.FromSeconds(120));
    }

    public RunOutcome WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            throw new TimeoutException($"arroyo did not exit within {timeout}; stderr:\n{Stderr}");
        }
        _process.WaitForExit();
        return new RunOutcome(_process.ExitCode, Stdout, Stderr);
    }

    /// <summary>Sends a POSIX signal (SIGINT = 2, SIGTERM = 15, SIGKILL = 9).</summary>
    public void Signal(int signal)
    {
        if (!TrySignal(signal)) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: the process has exited");
    }

    /// <summary>Sends a signal unless the process has already exited (then false: it finished on its own first).</summary>
    public bool TrySignal(int signal)
    {
        if (_process.HasExited) return false;
        if (kill(_process.Id, signal) == 0) return true;
        // ESRCH: it exited between the check and the signal.
        if (_process.HasExited || Marshal.GetLastPInvokeError() == 3) return false;
        throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>.</summary>
    public bool WaitForLog(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Stderr.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return Stderr.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(20);
        }
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

public sealed record RunOutcome(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
