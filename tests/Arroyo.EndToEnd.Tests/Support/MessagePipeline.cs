using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Arroyo.EndToEnd.Tests.Support;

/// <summary>
/// Runs the CLI on a query that copies a message source into a single_file sink (exactly
/// once), for the message connectors' tests: until the file has some number of lines, then a
/// stop (SIGINT: final checkpoint) or a kill -9; and the values read back.
/// </summary>
public static class MessagePipeline
{
    public static string FileSink(string path) =>
        $"CREATE TABLE out WITH (connector = 'single_file', path = '{path}', format = 'json', type = 'sink');";

    public static int LineCount(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    /// <summary>Starts the run and waits until <paramref name="output"/> has <paramref name="lines"/> lines; the caller stops it.</summary>
    public static ArroyoProcess StartUntil(string queryFile, string state, string output, int lines, int parallelism,
        IDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        var running = ArroyoProcess.Start(["run", "-p", parallelism.ToString(), "-s", state, queryFile], environment: environment);
        WaitForLines(running, output, lines, timeout);
        return running;
    }

    public static void WaitForLines(ArroyoProcess running, string output, int lines, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (LineCount(output) < lines)
        {
            // A run that failed ends with a line starting "error:"; there is no point waiting for it.
            if (DateTime.UtcNow >= deadline || running.Stderr.Split('\n').Any(l => l.StartsWith("error:", StringComparison.Ordinal)))
            {
                Assert.Fail($"{LineCount(output)} of {lines} lines\n{running.Stderr}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Waits until <paramref name="count"/> more checkpoints complete than had when called, so
    /// that a kill after it restores positions past what the output shows (not a fresh start).
    /// </summary>
    public static void WaitForMoreCheckpoints(ArroyoProcess running, int count = 2)
    {
        var before = Checkpoints(running.Stderr);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Checkpoints(running.Stderr) < before + count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no new checkpoint within 60 s\n{running.Stderr}");
            Thread.Sleep(50);
        }
    }

    private static int Checkpoints(string stderr) =>
        stderr.Split('\n').Count(l => l.Contains(" INFO checkpoint ", StringComparison.Ordinal) && l.Contains(" complete", StringComparison.Ordinal));

    /// <summary>SIGINT (a final checkpoint), then the exit, which must be 0.</summary>
    public static void Stop(ArroyoProcess running)
    {
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    /// <summary>kill -9: no final checkpoint, no cleanup.</summary>
    public static void Kill(ArroyoProcess running)
    {
        running.Signal(9);
        running.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>The <c>value</c> column of every line, in file order.</summary>
    public static List<string> Values(string output) =>
        File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()!).ToList();

    /// <summary>
    /// Runs a query that must fail, without a stack trace. Giving up in time is bounded by the
    /// process timeout (a run that hangs fails the test), not timed: timing assertions break on a loaded machine.
    /// </summary>
    public static RunOutcome RunFailing(string query, TempDirectory dir, IDictionary<string, string>? environment = null)
    {
        File.WriteAllText(dir.File("fail.sql"), query);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("fail-state"), dir.File("fail.sql")], environment: environment, timeout: TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        return outcome;
    }

    /// <summary>A loopback port nothing listens on.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
