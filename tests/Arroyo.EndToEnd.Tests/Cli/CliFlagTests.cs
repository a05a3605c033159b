using System.Diagnostics;
using Arroyo.Cli.Commands;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>Options read as clap reads them, bounds on them, and signals however the CLI was started.</summary>
public sealed class CliFlagTests
{
    private const string Bounded = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '3');
        SELECT counter FROM impulse;
        """;

    private const string Unbounded = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '20');
        SELECT counter FROM impulse;
        """;

    [Fact]
    public void Short_options_take_an_attached_value_as_clap_does()
    {
        var run = Assert.IsType<CommandLine.Run>(CommandLine.Parse(["run", "-p2", "-nname", "-s/tmp/dir", "-c=extra.toml", "q.sql"])).Options;
        Assert.Equal(2, run.Parallelism);
        Assert.Equal("name", run.Name);
        Assert.Equal("/tmp/dir", run.StateDir);
        Assert.Equal("extra.toml", run.ConfigFile);
        Assert.Equal("q.sql", run.Query);

        var grouped = Assert.IsType<CommandLine.Run>(CommandLine.Parse(["run", "-fp=3", "-n", "x"])).Options;
        Assert.True(grouped.Force);
        Assert.Equal(3, grouped.Parallelism);
        Assert.Equal("x", grouped.Name);
    }

    [Fact]
    public void Attached_parallelism_runs_through_the_real_cli()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-p2", "-s" + dir.File("state"), "-nattached"], stdin: Bounded);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        // message_count is per subtask: two subtasks each count 0, 1, 2.
        Assert.Equal(6, outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("running pipeline 'attached' at parallelism 2", outcome.Stderr);
    }

    [Fact]
    public void A_flag_given_a_value_is_a_usage_error()
    {
        var outcome = ArroyoProcess.Run(["run", "--force=yes", "q.sql"]);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("unexpected value 'yes' for '--force'", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void Parallelism_above_the_bound_is_refused_with_the_bound()
    {
        var outcome = ArroyoProcess.Run(["run", "-p", "20000"], stdin: Bounded);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"invalid value '20000' for '--parallelism <PARALLELISM>': at most {CommandLine.MaxParallelism}", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void Sigterm_at_the_largest_parallelism_stops_within_seconds()
    {
        using var dir = new TempDirectory();
        using var process = ArroyoProcess.Start(["run", "-p", CommandLine.MaxParallelism.ToString(), "-s", dir.File("state")], stdin: Unbounded);
        Assert.True(process.WaitForLog("running pipeline", TimeSpan.FromSeconds(120)), process.Stderr);
        // Wait until output flows, so every subtask is running when the signal comes.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (process.Stdout.Length == 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        process.Signal(15);
        // Generous for a loaded machine; without a bound, -p 2000 took over a minute and 20000 never stopped.
        var outcome = process.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("received SIGTERM", outcome.Stderr);
        Assert.Contains("pipeline finished; last checkpoint 1", outcome.Stderr);
    }

    [Fact]
    public void A_zero_checkpoint_interval_is_refused()
    {
        var outcome = ArroyoProcess.Run(["run"], stdin: Bounded,
            environment: new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "0s" });
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("error: configuration 'default-checkpoint-interval' = '0s' must be longer than zero", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    /// <summary>
    /// A script's background job starts with SIGINT ignored (no job control); the CLI still
    /// stops on it with a final checkpoint, as the reference does.
    /// </summary>
    [Fact]
    public void Sigint_stops_a_run_started_in_the_background_by_a_script()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Unbounded);
        var script = $"""
            dotnet '{ArroyoProcess.CliPath}' run -s '{dir.File("state")}' '{dir.File("q.sql")}' > '{dir.File("out")}' 2> '{dir.File("err")}' &
            echo "$!"
            wait "$!"
            echo "exit=$?"
            """;
        var info = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ARROYO__", StringComparison.Ordinal)).ToList()) info.Environment.Remove(key);
        using var shell = Process.Start(info)!;
        var pid = int.Parse(shell.StandardOutput.ReadLine()!);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!(File.Exists(dir.File("out")) && File.ReadAllText(dir.File("out")).Length > 0) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(0, Kill(pid, 2));
        // The shell's output ends only when it exits, which waits for arroyo: read it aside.
        var rest = shell.StandardOutput.ReadToEndAsync();
        if (!shell.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            Kill(pid, 9);
            shell.WaitForExit();
            Assert.Fail("arroyo did not stop on SIGINT; stderr:\n" + File.ReadAllText(dir.File("err")));
        }
        var stderr = File.ReadAllText(dir.File("err"));
        Assert.True(rest.Result.Contains("exit=0"), rest.Result + "\n" + stderr);
        Assert.Contains("received SIGINT", stderr);
        Assert.Contains("pipeline finished; last checkpoint 1", stderr);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void Explain_prints_the_graph_and_runs_nothing()
    {
        using var dir = new TempDirectory();
        var statement = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: Bounded.Replace("SELECT counter", "EXPLAIN SELECT counter"));
        Assert.True(statement.ExitCode == 0, statement.ToString());
        Assert.Contains("source impulse", statement.Stdout);
        Assert.Contains("sink stdout", statement.Stdout);
        Assert.DoesNotContain("{\"counter\"", statement.Stdout);
        Assert.False(Directory.Exists(dir.File("state")), "EXPLAIN touched the state dir");

        var flag = ArroyoProcess.Run(["run", "--explain", "-s", dir.File("state")], stdin: Bounded);
        Assert.True(flag.ExitCode == 0, flag.ToString());
        Assert.Equal(statement.Stdout, flag.Stdout);
        Assert.False(Directory.Exists(dir.File("state")), "--explain touched the state dir");
        Assert.True(Assert.IsType<CommandLine.Run>(CommandLine.Parse(["run", "--explain", "q.sql"])).Options.Explain);
    }
}
