using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>The state-dir scenarios of the seed, through the real CLI.</summary>
public sealed class StateDirCliTests
{
    private static string Query(int count, string sink) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '{count}');
        CREATE TABLE out (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{sink}', format = 'json', type = 'sink');
        INSERT INTO out SELECT counter FROM impulse;
        """;

    [Fact]
    public void A_finished_pipeline_run_again_produces_nothing_new()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query(50, dir.File("out.json")));
        var first = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(50, File.ReadAllLines(dir.File("out.json")).Length);

        var second = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("restoring from checkpoint", second.Stderr);
        Assert.Equal(50, File.ReadAllLines(dir.File("out.json")).Length);
    }

    [Fact]
    public void Another_query_is_refused_and_force_takes_over()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.sql"), Query(5, dir.File("a.json")));
        File.WriteAllText(dir.File("b.sql"), Query(7, dir.File("b.json")));
        Assert.Equal(0, ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("a.sql")]).ExitCode);

        var refused = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("b.sql")]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("different pipeline", refused.Stderr);
        Assert.Contains("--force", refused.Stderr);
        Assert.Contains("message_count = '7'", refused.Stderr);
        Assert.DoesNotContain("   at ", refused.Stderr);

        var forced = ArroyoProcess.Run(["run", "-f", "-s", dir.File("state"), dir.File("b.sql")]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(7, File.ReadAllLines(dir.File("b.json")).Length);
    }

    [Fact]
    public void A_relative_state_dir_works_from_the_working_directory()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query(3, dir.File("out.json")));
        var outcome = ArroyoProcess.Run(["run", "-s", "./state", "q.sql"], workingDirectory: dir.Path);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.True(File.Exists(Path.Combine(dir.Path, "state", "pipeline.json")));
    }

    [Fact]
    public void State_dir_from_the_environment_is_used()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query(3, dir.File("out.json")));
        var outcome = ArroyoProcess.Run(["run", dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__RUN__STATE_DIR"] = dir.File("envstate") });
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.True(File.Exists(dir.File("envstate/pipeline.json")));
    }

    [Fact]
    public void A_second_process_on_the_same_state_dir_is_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
        var second = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("in use by another arroyo process", second.Stderr);
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    [Fact]
    public void Sigterm_takes_a_final_checkpoint_and_exits_zero()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
        running.Signal(15);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("complete", outcome.Stderr);
        Assert.True(Directory.GetFiles(dir.File("state/checkpoints"), "manifest.json", SearchOption.AllDirectories).Length > 0);
    }
}
