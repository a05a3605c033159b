using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Http;

/// <summary>Running the CLI for the HTTP connectors' tests: checkpoints every 200 ms, output through the exactly-once single_file sink.</summary>
internal static class HttpCli
{
    public static readonly Dictionary<string, string> Env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms" };

    public static string FileSink(string path) =>
        $"CREATE TABLE out (value TEXT) WITH (connector = 'single_file', path = '{path}', format = 'json', type = 'sink');";

    public static ArroyoProcess Start(TempDirectory dir, string query)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        return ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: Env);
    }

    /// <summary>The <c>value</c> of every line of the output file.</summary>
    public static List<string> Values(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()!).ToList()
            : [];

    /// <summary>Waits until <paramref name="condition"/> holds, failing with the run's log when it exits or time runs out.</summary>
    public static void WaitUntil(ArroyoProcess running, Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}\n{running.Stderr}");
            Assert.False(running.WaitForLog("error:", TimeSpan.Zero) && !condition(), $"failed while waiting for {what}\n{running.Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Waits until two more checkpoints completed (manifests in the state dir) than when called:
    /// the second started after the call, so it holds everything emitted before.
    /// </summary>
    public static void WaitForCheckpointAfterNow(ArroyoProcess running, TempDirectory dir)
    {
        var now = Manifests(dir);
        WaitUntil(running, () => Manifests(dir) >= now + 2, "a checkpoint");
    }

    // Old checkpoints are deleted beyond the newest three, so count by the highest epoch.
    private static int Manifests(TempDirectory dir)
    {
        var checkpoints = Path.Combine(dir.File("state"), "checkpoints");
        if (!Directory.Exists(checkpoints)) return 0;
        return Directory.GetDirectories(checkpoints, "epoch-*")
            .Where(d => File.Exists(Path.Combine(d, "manifest.json")))
            .Select(d => int.Parse(Path.GetFileName(d)["epoch-".Length..]))
            .DefaultIfEmpty(0).Max();
    }

    /// <summary>SIGINT, as Ctrl-C: a final checkpoint, then exit 0.</summary>
    public static void Stop(ArroyoProcess running)
    {
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    /// <summary>kill -9: no final checkpoint, no clean-up.</summary>
    public static void Kill(ArroyoProcess running)
    {
        running.Signal(9);
        running.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>The run fails by itself with a clear message (no stack trace) within <paramref name="timeout"/>.</summary>
    public static RunOutcome Fails(TempDirectory dir, string query, TimeSpan timeout, Dictionary<string, string>? environment = null)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        var env = new Dictionary<string, string>(Env);
        foreach (var (key, value) in environment ?? []) env[key] = value;
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: env, timeout: timeout);
        Assert.True(outcome.ExitCode != 0, outcome.ToString());
        Assert.DoesNotContain("   at ", outcome.Stderr);
        return outcome;
    }
}
