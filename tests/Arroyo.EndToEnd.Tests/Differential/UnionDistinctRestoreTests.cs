using Arroyo.EndToEnd.Tests.Conformance;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// UNION (distinct) keeps its rows in an updating aggregate: run straight at parallelism 1 and 2,
/// and stopped at a checkpoint mid-input at 2 then restored at 3, the folded output is the set of
/// distinct rows of all the input.
/// </summary>
public sealed class UnionDistinctRestoreTests
{
    private static string Query(TempDirectory dir) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000', message_count = '2000');
        CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'debezium_json', type = 'sink');
        INSERT INTO out SELECT counter % 7 AS m, 'seven' AS src FROM impulse
            UNION SELECT counter % 5, 'five' FROM impulse
            UNION SELECT counter % 7, 'seven' FROM impulse WHERE counter > 1000;
        """;

    private static readonly List<string> s_expected = GoldenComparer.FoldMultiset(
        Enumerable.Range(0, 7).Select(m => $"{{\"m\":{m},\"src\":\"seven\"}}")
            .Concat(Enumerable.Range(0, 5).Select(m => $"{{\"m\":{m},\"src\":\"five\"}}")));

    private static readonly Dictionary<string, string> s_fast = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms",
        ["ARROYO__PIPELINE__UPDATE_AGGREGATE_FLUSH_INTERVAL"] = "50ms",
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Straight_run_gives_the_distinct_rows(int parallelism)
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var run = ArroyoProcess.Run(["run", "-p", parallelism.ToString(), "-s", dir.File("state"), query], environment: s_fast);
        Assert.True(run.ExitCode == 0, run.ToString());
        AssertDistinctRows(dir);
    }

    [Fact]
    public void Stopped_at_parallelism_2_and_restored_at_3_gives_the_distinct_rows()
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, Query(dir));
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), query],
            environment: new Dictionary<string, string>(s_fast) { ["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = "3" });
        Assert.True(first.ExitCode == 0, "first run (parallelism 2, stopped at a checkpoint):\n" + first);

        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", dir.File("state"), query], environment: s_fast);
        Assert.True(second.ExitCode == 0, "second run (restored at parallelism 3):\n" + second);
        Assert.Contains("restoring from checkpoint", second.Stderr);
        AssertDistinctRows(dir);
    }

    private static void AssertDistinctRows(TempDirectory dir)
    {
        var actual = GoldenComparer.FoldMultiset(File.ReadAllLines(dir.File("out.json")));
        var difference = GoldenComparer.Difference(s_expected, actual);
        Assert.True(difference is null, difference);
    }
}
