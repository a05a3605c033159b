using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Conformance;

/// <summary>Runs smoke cases through the CLI in the README's three modes and checks the goldens.</summary>
public static class SmokeRunner
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var names = SmokeCase.Names(SharedData.Conformance).ToList();
        if (names.Count == 0) data.Add("(shared conformance corpus absent)");
        foreach (var name in names) data.Add(name);
        return data;
    }

    public static SmokeCase LoadOrSkip(string name)
    {
        var conformance = SharedData.RequireConformance();
        return SmokeCase.Load(conformance, name);
    }

    /// <summary>Mode 1 (and the plain run at another parallelism): to the end of input, compare.</summary>
    public static void RunStraight(SmokeCase smoke, int parallelism)
    {
        using var dir = new TempDirectory();
        var output = dir.File("output.json");
        var queryFile = dir.File("query.sql");
        File.WriteAllText(queryFile, smoke.Render(output));
        var outcome = ArroyoProcess.Run(["run", "-p", parallelism.ToString(), "-s", dir.File("state"), .. smoke.ExtraArguments, queryFile], environment: Fast());
        if (smoke.ExpectedFailure is { } expected)
        {
            Assert.True(outcome.ExitCode != 0, $"expected failure containing '{expected}'\n{outcome}");
            Assert.Contains(SmokeCase.CollapseWhitespace(expected), SmokeCase.CollapseWhitespace(outcome.Stderr));
            return;
        }
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        AssertMatchesGolden(smoke, output);
    }

    /// <summary>Modes 2 + 3: run at parallelism 2, stop at a checkpoint mid-input, restore at 3 to the end.</summary>
    public static void RunCheckpointRestore(SmokeCase smoke)
    {
        if (smoke.ExpectedFailure is not null) Assert.Skip("planning-failure case: nothing to checkpoint");
        using var dir = new TempDirectory();
        var output = dir.File("output.json");
        var queryFile = dir.File("query.sql");
        File.WriteAllText(queryFile, smoke.Render(output));
        var state = dir.File("state");

        var env = Fast();
        env["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "64";
        env["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "2ms";
        env["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = "2";
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", state, .. smoke.ExtraArguments, queryFile], environment: env);
        Assert.True(first.ExitCode == 0, "first run (parallelism 2, stopped at a checkpoint):\n" + first);

        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", state, .. smoke.ExtraArguments, queryFile], environment: Fast());
        Assert.True(second.ExitCode == 0, "second run (restored at parallelism 3):\n" + second);
        Assert.Contains("restoring from checkpoint", second.Stderr);
        // Where the stop lands depends on timing, and an updating output interrupted between two
        // batches legitimately carries an extra retraction and insert: compare what it leaves.
        AssertMatchesGolden(smoke, output, foldUpdates: true);
    }

    private static Dictionary<string, string> Fast() => new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms",
        ["ARROYO__PIPELINE__UPDATE_AGGREGATE_FLUSH_INTERVAL"] = "50ms",
    };

    private static void AssertMatchesGolden(SmokeCase smoke, string output, bool foldUpdates = false)
    {
        var actualLines = File.Exists(output) ? File.ReadAllLines(output) : [];
        var goldenLines = File.ReadAllLines(smoke.GoldenPath);
        var (expected, actual) = smoke.PrimaryKey is { } key
            ? (GoldenComparer.Fold(goldenLines, key), GoldenComparer.Fold(actualLines, key))
            : foldUpdates
                ? (GoldenComparer.FoldMultiset(goldenLines), GoldenComparer.FoldMultiset(actualLines))
                : (GoldenComparer.Canonical(goldenLines), GoldenComparer.Canonical(actualLines));
        var difference = GoldenComparer.Difference(expected, actual);
        Assert.True(difference is null, $"{smoke.Name}: {difference}");
    }
}

public sealed class SmokeStraightParallelism1Tests
{
    [Theory]
    [MemberData(nameof(SmokeRunner.Cases), MemberType = typeof(SmokeRunner))]
    public void Matches_golden_at_parallelism_1(string name) => SmokeRunner.RunStraight(SmokeRunner.LoadOrSkip(name), 1);
}

public sealed class SmokeStraightParallelism2Tests
{
    [Theory]
    [MemberData(nameof(SmokeRunner.Cases), MemberType = typeof(SmokeRunner))]
    public void Matches_golden_at_parallelism_2(string name) => SmokeRunner.RunStraight(SmokeRunner.LoadOrSkip(name), 2);
}

public sealed class SmokeCheckpointRestoreTests
{
    [Theory]
    [MemberData(nameof(SmokeRunner.Cases), MemberType = typeof(SmokeRunner))]
    public void Stopped_at_parallelism_2_and_restored_at_3_matches_golden(string name) =>
        SmokeRunner.RunCheckpointRestore(SmokeRunner.LoadOrSkip(name));
}
