using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>A bare SELECT's rows reach stdout when they are produced, not at the next tick or checkpoint.</summary>
public sealed class StdoutLatencyTests
{
    [Fact]
    public void A_bare_select_over_a_slow_source_prints_each_row_without_waiting_for_a_tick()
    {
        using var dir = new TempDirectory();
        // Two rows a second; ticks and checkpoints an hour apart, so a row that shows up while
        // the run goes on was written because the sink's input drained, by nothing else.
        File.WriteAllText(dir.File("q.sql"), """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2');
            SELECT counter FROM impulse WHERE counter < 1000;
            """);
        var environment = new Dictionary<string, string>
        {
            ["ARROYO__DEBUG__TICK_INTERVAL"] = "1h",
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "1h",
        };
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!running.Stdout.Contains("{\"counter\":2}", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
        var printed = running.Stdout;
        Assert.True(printed.Contains("{\"counter\":2}", StringComparison.Ordinal), $"rows were held back; stdout so far:\n{printed}\nstderr:\n{running.Stderr}");
        Assert.StartsWith("{\"counter\":0}\n{\"counter\":1}\n{\"counter\":2}", printed.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }
}
