using System.Net;
using System.Net.Sockets;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// The state dir around the run: a failed first run leaves it free for a fixed query, a stop
/// while it is opening is clean, and a read-only or full file system is reported at once with
/// its path (those do not get better by retrying) without losing anything committed.
/// </summary>
public sealed class StateDirLifecycleTests
{
    [Fact]
    public void A_run_that_failed_before_its_first_checkpoint_does_not_claim_the_state_dir()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"a\": 1}\n{\"a\": oops}\n{\"a\": 3}\n");
        string Query(string badData) => $"""
            CREATE TABLE src (a BIGINT) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json', type = 'source'{badData});
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT a FROM src;
            """;
        File.WriteAllText(dir.File("q.sql"), Query(""));
        var failed = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains("bad data", failed.Stderr);

        // The fixed query: no --force needed, nothing of the failed run was committed.
        File.WriteAllText(dir.File("q.sql"), Query(", bad_data = 'drop'"));
        var fixedRun = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(fixedRun.ExitCode == 0, fixedRun.ToString());
        Assert.Contains("never completed a checkpoint", fixedRun.Stderr);
        Assert.Equal(["{\"a\":1}", "{\"a\":3}"], File.ReadAllLines(dir.File("out.json")));

        // Now it has checkpoints: another query is refused again.
        File.WriteAllText(dir.File("q.sql"), Query(", bad_data = 'drop'").Replace("SELECT a", "SELECT a + 1 AS a", StringComparison.Ordinal));
        var other = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(other.ExitCode == 1, other.ToString());
        Assert.Contains("belongs to a different pipeline", other.Stderr);
    }

    [Fact]
    public void A_checkpoint_written_by_a_plan_whose_operators_sit_at_other_nodes_is_refused_not_dropped()
    {
        // State is stored by node id, and node ids follow the plan. A build that plans the same
        // query differently moves operators to other ids; to stand for it, the state dir's
        // pipeline.json is made to claim a query with one more operator before the aggregate,
        // so the aggregate's state now sits at the node of a stateless filter.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n");
        string Query(string where) => $"""
            CREATE TABLE src (a BIGINT) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json', type = 'source');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT a % 2 AS k, count(*) AS c FROM src{where} GROUP BY a % 2;
            """;
        // Every operator after the inserted filter moved, the sink too.
        AssertRestoreRefused(dir, writtenBy: Query(""), restoredBy: Query(" WHERE a > 0"));
    }

    /// <summary>
    /// Runs <paramref name="writtenBy"/> to its end, makes the state dir claim <paramref name="restoredBy"/>
    /// (as if a build that plans that query as this build plans the first had written it), and
    /// checks that running <paramref name="restoredBy"/> on it is refused without touching the output.
    /// </summary>
    private static void AssertRestoreRefused(TempDirectory dir, string writtenBy, string restoredBy)
    {
        File.WriteAllText(dir.File("q.sql"), writtenBy);
        var first = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var written = File.ReadAllText(dir.File("out.json"));

        ClaimQuery(dir, restoredBy);
        File.WriteAllText(dir.File("q.sql"), restoredBy);
        AssertRefusedAsMoved(ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]));
        Assert.Equal(written, File.ReadAllText(dir.File("out.json")));
    }

    /// <summary>Makes the state dir's pipeline.json claim <paramref name="query"/>, as if a build that plans it differently had written the checkpoint.</summary>
    private static void ClaimQuery(TempDirectory dir, string query)
    {
        var pipelineJson = Path.Combine(dir.File("state"), Arroyo.State.Checkpoints.StatePaths.Pipeline);
        var record = Arroyo.State.Checkpoints.PipelineRecord.Deserialize(File.ReadAllBytes(pipelineJson));
        File.WriteAllBytes(pipelineJson, (record with { Query = query, QueryHash = Arroyo.State.Checkpoints.PipelineRecord.HashQuery(query) }).Serialize());
    }

    /// <summary>
    /// A restore refused because the checkpoint's operators sit at other nodes. The subtasks open
    /// (restore) concurrently: whichever notices first refuses the run — an operator finding
    /// another's tables at its node, or the sink finding no commit record at its own.
    /// </summary>
    private static void AssertRefusedAsMoved(RunOutcome refused)
    {
        Assert.True(refused.ExitCode == 1, refused.ToString());
        var planMoved = refused.Stderr.Contains("plans this query differently") && refused.Stderr.Contains("restoring it here would silently lose that state");
        var sinkMoved = refused.Stderr.Contains("holds no commit record of the single_file sink");
        Assert.True(planMoved || sinkMoved, refused.ToString());
        Assert.DoesNotContain("   at ", refused.Stderr);
    }

    [Fact]
    public void A_checkpoint_of_a_join_plan_that_still_tested_the_pushed_where_above_the_join_is_refused()
    {
        // Builds before session 19 tested a join's one-sided WHERE conjuncts twice: below the join
        // (pushed) and again in a filter above it. Now that filter is gone when nothing else is
        // left of the WHERE, so every operator after the join sits one node earlier. The old plan
        // is stood for by a WHERE with a conjunct reading both sides (still a filter above the
        // join, at the node the old build's filter had), its checkpoint claimed by the plain query.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("l.json"), "{\"k\": 1, \"x\": 10}\n{\"k\": 2, \"x\": 20}\n{\"k\": 3, \"x\": 30}\n");
        File.WriteAllText(dir.File("r.json"), "{\"k\": 1, \"v\": 1}\n{\"k\": 2, \"v\": 0}\n{\"k\": 3, \"v\": 5}\n{\"k\": 3, \"v\": 6}\n");
        string Query(string where) => $"""
            CREATE TABLE l (k BIGINT, x BIGINT) WITH (connector = 'single_file', path = '{dir.File("l.json")}', format = 'json', type = 'source');
            CREATE TABLE r (k BIGINT, v BIGINT) WITH (connector = 'single_file', path = '{dir.File("r.json")}', format = 'json', type = 'source');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT l.k, count(*) AS c FROM l JOIN r ON l.k = r.k WHERE {where} GROUP BY l.k;
            """;
        // The aggregate's tables now sit at the node of the projection after it, the sink at another node.
        AssertRestoreRefused(dir, writtenBy: Query("r.v > 0 AND l.x + r.v > 0"), restoredBy: Query("r.v > 0"));
    }

    [Fact]
    public void With_force_a_checkpoint_this_build_cannot_restore_is_discarded_and_the_run_starts_fresh()
    {
        // As above, a state dir whose checkpoint was written by a plan with its operators at other
        // nodes; --force, which takes over the state of another query, takes over this one too.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n");
        string Query(string where, string output) => $"""
            CREATE TABLE src (a BIGINT) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json', type = 'source');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File(output)}', format = 'debezium_json', type = 'sink');
            INSERT INTO out SELECT a % 2 AS k, count(*) AS c FROM src{where} GROUP BY a % 2;
            """;
        File.WriteAllText(dir.File("q.sql"), Query("", "out.json"));
        var first = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var moved = Query(" WHERE a > 0", "out.json");
        ClaimQuery(dir, moved);
        File.WriteAllText(dir.File("q.sql"), moved);
        var forced = ArroyoProcess.Run(["run", "-f", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("--force: discarding the checkpoints this build cannot restore", forced.Stderr);
        Assert.DoesNotContain("   at ", forced.Stderr);

        // The output is what a first run of the query writes, and the state dir now restores it.
        File.WriteAllText(dir.File("fresh.sql"), Query(" WHERE a > 0", "fresh.json"));
        var fresh = ArroyoProcess.Run(["run", "-s", dir.File("fresh-state"), dir.File("fresh.sql")]);
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Equal(File.ReadAllText(dir.File("fresh.json")), File.ReadAllText(dir.File("out.json")));
        var again = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("restoring from checkpoint", again.Stderr);
    }

    [Fact]
    public void Ctrl_c_while_the_state_dir_is_opening_exits_cleanly()
    {
        // A store that accepts connections and never answers: the CLI is stuck opening the state dir.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", $"s3::http://127.0.0.1:{port}/bucket/pipe", dir.File("q.sql")], environment: new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "not-a-secret",
            ["AWS_REGION"] = "us-east-1",
        });
        Assert.True(accepted.Wait(TimeSpan.FromSeconds(60)), "the CLI never connected: " + running.Stderr);
        using var connection = accepted.Result;

        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("stopped while opening the state dir", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain("error", outcome.Stderr);
    }

    [Fact]
    public void A_read_only_state_dir_fails_at_once_with_its_path_and_loses_nothing()
    {
        using var pipeline = new FaultPipeline(Path.Combine(Path.GetTempPath(), "arroyo-ro-" + Guid.NewGuid().ToString("N")[..8]));
        using var tmpfs = Tmpfs.Mount(pipeline.StateDir, 4096);
        pipeline.RunInterrupted();
        var before = pipeline.SnapshotOutputs();

        tmpfs.Remount(readOnly: true);
        var refused = pipeline.Run();
        AssertFailedAtOnce(refused, pipeline.StateDir, "Read-only file system");
        pipeline.AssertOutputsUnchanged(before);

        tmpfs.Remount(readOnly: false);
        var resumed = pipeline.Run();
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        pipeline.AssertExactlyOnce();
    }

    [Fact]
    public void A_full_state_dir_fails_at_once_with_its_path_and_loses_nothing()
    {
        using var pipeline = new FaultPipeline(Path.Combine(Path.GetTempPath(), "arroyo-full-" + Guid.NewGuid().ToString("N")[..8]));
        using var tmpfs = Tmpfs.Mount(pipeline.StateDir, 4096);
        pipeline.RunInterrupted();
        var before = pipeline.SnapshotOutputs();

        tmpfs.Fill();
        var refused = pipeline.Run();
        AssertFailedAtOnce(refused, pipeline.StateDir, "No space left on device");
        pipeline.AssertOutputsUnchanged(before);

        tmpfs.Free();
        var resumed = pipeline.Run();
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        pipeline.AssertExactlyOnce();
    }

    [Fact]
    public void A_state_dir_that_fills_up_during_the_run_fails_the_final_checkpoint_and_loses_nothing()
    {
        using var pipeline = new FaultPipeline(Path.Combine(Path.GetTempPath(), "arroyo-fills-" + Guid.NewGuid().ToString("N")[..8]));
        using var tmpfs = Tmpfs.Mount(pipeline.StateDir, 4096);
        // Slow enough (3000 rows in 20-row batches, 50 ms apart) that the disk fills mid-run.
        var slow = new Dictionary<string, string>(FaultPipeline.Interrupted) { ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "50ms" };
        slow.Remove("ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS");
        using (var running = ArroyoProcess.Start(["run", "-s", pipeline.StateDir, pipeline.QueryFile], environment: slow))
        {
            Assert.True(running.WaitForLog("checkpoint 2 complete", TimeSpan.FromSeconds(60)), running.Stderr);
            tmpfs.Fill();
            Assert.True(running.WaitForLog("failed and will be retried", TimeSpan.FromSeconds(60)), running.Stderr);
            running.TrySignal(2);
            var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 1, outcome.ToString());
            Assert.Contains("No space left on device", outcome.Stderr);
            Assert.DoesNotContain("attempt(s)", outcome.Stderr);
            Assert.DoesNotContain("   at ", outcome.Stderr);
        }

        tmpfs.Free();
        var resumed = pipeline.Run();
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        pipeline.AssertExactlyOnce();
    }

    /// <summary>A clear error naming the path, after one attempt (no half minute of retries first).</summary>
    private static void AssertFailedAtOnce(RunOutcome outcome, string path, string cause)
    {
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        Assert.StartsWith("error: ", outcome.Stderr.Split('\n').First(l => !l.Contains(" INFO ", StringComparison.Ordinal)));
        Assert.Contains(path, outcome.Stderr);
        Assert.Contains(cause, outcome.Stderr);
        Assert.DoesNotContain("attempt(s)", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }
}
