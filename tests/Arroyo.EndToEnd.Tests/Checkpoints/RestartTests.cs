using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>
/// <c>pipeline.allowed-restarts</c>: a run that fails after a checkpoint starts again from its last
/// checkpoint, up to that many times, then exits non-zero. Failures are injected with
/// <c>debug.fail-after-checkpoints</c> (the run stops at its checkpoint N and fails, as a crash would).
/// </summary>
public sealed class RestartTests
{
    private static string Query(string sink, int count = 300) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '{count}');
        CREATE TABLE out (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{sink}', format = 'json', type = 'sink');
        INSERT INTO out SELECT counter FROM impulse;
        """;

    private static Dictionary<string, string> Environment(int allowedRestarts) => new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms",
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "10",
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "5ms",
        ["ARROYO__DEBUG__FAIL_AFTER_CHECKPOINTS"] = "1",
        ["ARROYO__PIPELINE__ALLOWED_RESTARTS"] = allowedRestarts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ARROYO__PIPELINE__STATE_INITIAL_BACKOFF"] = "10ms",
        ["ARROYO__PIPELINE__STATE_MAX_BACKOFF"] = "20ms",
    };

    [Fact]
    public void Restarts_resume_from_the_last_checkpoint_until_the_input_is_done_exactly_once()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query(dir.File("out.json")));
        // No --state-dir: the temporary state dir of the first attempt is reused by the restarts.
        var outcome = ArroyoProcess.Run(["run", dir.File("q.sql")], environment: Environment(-1));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("restarting from its last checkpoint", outcome.Stderr);
        Assert.Contains("restoring from checkpoint", outcome.Stderr);
        var counters = File.ReadAllLines(dir.File("out.json")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("counter").GetUInt64()).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (ulong)i), counters.Order());
    }

    [Fact]
    public void After_the_allowed_restarts_the_failure_ends_the_process()
    {
        using var dir = new TempDirectory();
        // Far more input than three short runs get through: every run fails after its first checkpoint.
        File.WriteAllText(dir.File("q.sql"), Query(dir.File("out.json"), 1_000_000));
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: Environment(2));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("restart 1 of 2", outcome.Stderr);
        Assert.Contains("restart 2 of 2", outcome.Stderr);
        Assert.DoesNotContain("restart 3 of", outcome.Stderr);
        Assert.Contains("debug.fail-after-checkpoints", outcome.Stderr);

        using var none = new TempDirectory();
        File.WriteAllText(none.File("q.sql"), Query(none.File("out.json"), 1_000_000));
        var noRestart = ArroyoProcess.Run(["run", "-s", none.File("state"), none.File("q.sql")], environment: Environment(0));
        Assert.NotEqual(0, noRestart.ExitCode);
        Assert.DoesNotContain("restarting", noRestart.Stderr);
    }
}
