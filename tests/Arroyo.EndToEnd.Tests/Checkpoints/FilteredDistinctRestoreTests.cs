using Arroyo.EndToEnd.Tests.Conformance;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>
/// <c>count(DISTINCT CASE WHEN p THEN x END)</c> is planned as <c>count(DISTINCT x) FILTER
/// (WHERE p)</c>, and the DISTINCT counts of one column share a table per group;
/// <c>count(CASE WHEN p THEN x END)</c> is planned as <c>count(x) FILTER (WHERE p)</c>, or
/// <c>count(*) FILTER (WHERE p)</c> when x is a literal. A state dir written with a table per
/// call and counts of CASE columns (as builds before the rewrites planned them: here the same
/// build with <c>debug.filtered-distinct = false</c> and <c>debug.filtered-count = false</c>)
/// restores into the rewritten plan, and either way the folded output is the one of the plan
/// without the rewrites.
/// </summary>
public sealed class FilteredDistinctRestoreTests
{
    private static string Query(TempDirectory dir) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000', message_count = '3000');
        CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'debezium_json', type = 'sink');
        INSERT INTO out SELECT counter % 5 AS k, count(DISTINCT counter % 101) AS d,
            count(DISTINCT CASE WHEN counter % 3 = 0 THEN counter % 101 END) AS d3,
            count(DISTINCT CASE WHEN counter % 2 = 0 THEN counter % 101 ELSE NULL END) AS d2,
            count(DISTINCT CASE WHEN counter % 7 = 0 THEN counter % 101 END) AS d7,
            count(DISTINCT CASE WHEN counter % 4 = 1 THEN counter % 3 END) AS small,
            count(CASE WHEN counter % 3 = 0 THEN 1 END) AS c3,
            count(CASE WHEN counter % 2 = 0 THEN NULLIF(counter % 5, 1) END) AS c2
            FROM impulse GROUP BY 1;
        """;

    private static Dictionary<string, string> Settings(bool shared, int? stopAfter = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms",
            ["ARROYO__PIPELINE__UPDATE_AGGREGATE_FLUSH_INTERVAL"] = "50ms",
        };
        if (!shared)
        {
            settings["ARROYO__DEBUG__FILTERED_DISTINCT"] = "false";
            settings["ARROYO__DEBUG__FILTERED_COUNT"] = "false";
        }
        if (stopAfter is { } n) settings["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = n.ToString();
        return settings;
    }

    [Fact]
    public void The_plan_shares_one_table_per_column()
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var shared = ArroyoProcess.Run(["run", "--explain", query], environment: Settings(shared: true));
        Assert.True(shared.ExitCode == 0, shared.ToString());
        Assert.Contains("count(DISTINCT _arg_0_0) FILTER (WHERE _filter_1)", shared.Stdout);
        // The literal's count counts rows; the other keeps its argument, whose NULLs it skips.
        Assert.Contains("count(*) FILTER (WHERE _filter_1) AS __agg5_count", shared.Stdout);
        Assert.Contains("count(_arg_6_0) FILTER (WHERE _filter_2) AS __agg6_count", shared.Stdout);
        Assert.DoesNotContain("CASE", shared.Stdout);
        var separate = ArroyoProcess.Run(["run", "--explain", query], environment: Settings(shared: false));
        Assert.True(separate.ExitCode == 0, separate.ToString());
        Assert.Contains("CASE WHEN", separate.Stdout);
    }

    [Fact]
    public void A_state_dir_with_a_table_per_call_restores_into_shared_tables()
    {
        var expected = StopAndRestore(firstShared: false, secondShared: false);
        Assert.Equal(expected, StopAndRestore(firstShared: false, secondShared: true));
        Assert.Equal(expected, StopAndRestore(firstShared: true, secondShared: true));
    }

    /// <summary>The folded output of a run stopped at a checkpoint at parallelism 2 and restored at 3.</summary>
    private static List<string> StopAndRestore(bool firstShared, bool secondShared)
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), query], environment: Settings(firstShared, stopAfter: 3));
        Assert.True(first.ExitCode == 0, "first run (parallelism 2, stopped at a checkpoint):\n" + first);
        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", dir.File("state"), query], environment: Settings(secondShared));
        Assert.True(second.ExitCode == 0, "second run (restored at parallelism 3):\n" + second);
        Assert.Contains("restoring from checkpoint", second.Stderr);
        return GoldenComparer.FoldMultiset(File.ReadAllLines(dir.File("out.json")));
    }
}
