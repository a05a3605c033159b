using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>
/// A windowed aggregate is planned with a partial aggregate before its shuffle, which moves the
/// node ids after it. A state dir written by a build without it (here: the same build with
/// <c>debug.pre-aggregate = false</c>) holding open windows is refused with a message saying why,
/// never restored into the wrong operators; one written with it restores at another parallelism.
/// </summary>
public sealed class PreAggregationRestoreTests
{
    private static string Query(TempDirectory dir) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000', message_count = '3000');
        CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
        INSERT INTO out SELECT counter % 7 AS k, count(*) AS c, max(counter) AS m, tumble(interval '1 hour') AS w
            FROM impulse GROUP BY 1, w;
        """;

    private static Dictionary<string, string> Settings(bool preAggregate, int? stopAfter = null)
    {
        var settings = new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms" };
        if (!preAggregate) settings["ARROYO__DEBUG__PRE_AGGREGATE"] = "false";
        if (stopAfter is { } n) settings["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = n.ToString();
        return settings;
    }

    [Fact]
    public void A_state_dir_of_the_plan_without_partials_is_refused_with_the_reason()
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var first = ArroyoProcess.Run(["run", "-s", dir.File("state"), query], environment: Settings(preAggregate: false, stopAfter: 2));
        Assert.True(first.ExitCode == 0, "first run (without partial aggregates, stopped at a checkpoint):\n" + first);

        var written = File.Exists(dir.File("out.json")) ? File.ReadAllText(dir.File("out.json")) : "";

        var second = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), query], environment: Settings(preAggregate: true));
        Assert.True(second.ExitCode == 1, "the restore should be refused:\n" + second);
        // The subtasks restore concurrently: the partial aggregate finding the aggregate's tables
        // at its node, or the moved sink finding no commit record at its own, refuses first.
        var planMoved = second.Stderr.Contains("plans this query differently") && second.Stderr.Contains("restoring it here would silently lose that state");
        var sinkMoved = second.Stderr.Contains("holds no commit record of the single_file sink");
        Assert.True(planMoved || sinkMoved, second.ToString());
        Assert.DoesNotContain("   at ", second.Stderr); // a message, not a stack trace
        Assert.Equal(written, File.Exists(dir.File("out.json")) ? File.ReadAllText(dir.File("out.json")) : "");
    }

    [Fact]
    public void Stopped_at_parallelism_2_and_restored_at_3_counts_as_the_plan_without_partials()
    {
        // The impulse source counts per subtask, so the totals depend on the parallelisms: the
        // same stop and restore without partial aggregates gives the expected answer.
        Assert.Equal(StopAndRestore(preAggregate: false), StopAndRestore(preAggregate: true));
    }

    /// <summary>Per k: the count summed over the hour windows (a run may straddle an hour) and the maximum.</summary>
    private static List<string> StopAndRestore(bool preAggregate)
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), query], environment: Settings(preAggregate, stopAfter: 2));
        Assert.True(first.ExitCode == 0, "first run (parallelism 2, stopped at a checkpoint):\n" + first);
        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", dir.File("state"), query], environment: Settings(preAggregate));
        Assert.True(second.ExitCode == 0, "second run (restored at parallelism 3):\n" + second);
        Assert.Contains("restoring from checkpoint", second.Stderr);
        var rows = File.ReadAllLines(dir.File("out.json")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        return rows.GroupBy(r => r.GetProperty("k").ToString())
            .Select(g => $"{g.Key}: {g.Sum(r => r.GetProperty("c").GetInt64())} rows, max {g.Max(r => r.GetProperty("m").GetInt64())}")
            .Order(StringComparer.Ordinal).ToList();
    }
}
