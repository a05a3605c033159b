using System.Globalization;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// A deterministic windowed pipeline (as in KillLoopTests) for runs whose state dir is on an
/// object store: the input, the query, the reference output of an uninterrupted run with a
/// local state dir, and the run → stop → restore cycles the tests repeat per store.
/// </summary>
internal sealed class ObjectStorePipeline : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _storeEnvironment;
    private List<string>? _expected;

    /// <param name="rows">Input rows, 10 ms of event time apart (100 per one-second window).</param>
    public ObjectStorePipeline(string stateDir, IDictionary<string, string> storeEnvironment, int rows = 10_000)
    {
        StateDir = stateDir;
        Rows = rows;
        _storeEnvironment = new Dictionary<string, string>(storeEnvironment);
        WriteInput(_dir.File("input.json"), rows);
        File.WriteAllText(_dir.File("q.sql"), Query(_dir.File("input.json"), Output));
        File.WriteAllText(_dir.File("reference.sql"), Query(_dir.File("input.json"), _dir.File("reference.json")));
    }

    public string StateDir { get; }

    public int Rows { get; }

    public string Output => _dir.File("out.json");

    /// <summary>Every child sees its stderr so that a secret leaking there would be caught.</summary>
    public List<string> AllStderr { get; } = [];

    /// <summary>Settings that slow the source so that signals land in the middle of the input.</summary>
    public static Dictionary<string, string> Slowed(string checkpointInterval = "100ms", int batch = 10, string pollDelay = "5ms") => new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = checkpointInterval,
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = batch.ToString(CultureInfo.InvariantCulture),
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = pollDelay,
    };

    /// <summary>
    /// <see cref="Slowed"/>, with the store's retries cut to two quick attempts: against a store
    /// that is down a checkpoint fails in well under a second instead of after ~25 s of retries.
    /// </summary>
    public static Dictionary<string, string> SlowedWithQuickRetries(string checkpointInterval, int batch, string pollDelay)
    {
        var settings = Slowed(checkpointInterval, batch, pollDelay);
        settings["ARROYO__DEBUG__STORAGE_RETRY_ATTEMPTS"] = "2";
        settings["ARROYO__DEBUG__STORAGE_RETRY_DELAY"] = "10ms";
        return settings;
    }

    /// <summary>Waits for <paramref name="condition"/> (checked every 50 ms) up to <paramref name="timeout"/>.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    /// <summary>The sorted output of one uninterrupted run with a local state dir (computed once).</summary>
    public List<string> Expected
    {
        get
        {
            if (_expected is null)
            {
                var reference = ArroyoProcess.Run(["run", "-s", _dir.File("reference-state"), _dir.File("reference.sql")]);
                Assert.True(reference.ExitCode == 0, reference.ToString());
                _expected = File.ReadAllLines(_dir.File("reference.json")).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(Rows / 100, _expected.Count);
            }
            return _expected;
        }
    }

    public List<string> ActualOutput() => File.Exists(Output) ? File.ReadAllLines(Output).Order(StringComparer.Ordinal).ToList() : [];

    /// <summary>Starts <c>arroyo run -s STATE_DIR q.sql</c> with the store's credentials and <paramref name="settings"/>.</summary>
    public ArroyoProcess Start(IDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(_storeEnvironment);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        return ArroyoProcess.Start(["run", "-s", StateDir, _dir.File("q.sql")], environment: environment);
    }

    public RunOutcome Finish(ArroyoProcess process, TimeSpan timeout)
    {
        var outcome = process.WaitForExit(timeout);
        lock (AllStderr) AllStderr.Add(outcome.Stderr);
        return outcome;
    }

    /// <summary>Runs to the end of the input at full speed; must exit 0.</summary>
    public RunOutcome RunToEnd()
    {
        using var process = Start();
        var outcome = Finish(process, TimeSpan.FromSeconds(90));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        return outcome;
    }

    /// <summary>
    /// Run → SIGINT once checkpoint <paramref name="afterCheckpoint"/> is complete (mid-input)
    /// → run again: it restores and the combined output is the uninterrupted run's.
    /// </summary>
    public void InterruptAndRestore(int afterCheckpoint = 3)
    {
        var expected = Expected;
        using (var running = Start(Slowed()))
        {
            Assert.True(running.WaitForLog($"checkpoint {afterCheckpoint} complete", TimeSpan.FromSeconds(60)), running.Stderr);
            running.Signal(2);
            var stopped = Finish(running, TimeSpan.FromSeconds(60));
            Assert.True(stopped.ExitCode == 0, stopped.ToString());
            Assert.Contains("stopping: taking a final checkpoint", stopped.Stderr);
            Assert.DoesNotContain("all sources reached the end of their input", stopped.Stderr);
        }
        Assert.True(ActualOutput().Count < expected.Count, "the interrupted run already wrote every window");

        var restored = RunToEnd();
        Assert.Contains("restoring from checkpoint", restored.Stderr);
        Assert.Equal(expected, ActualOutput());
    }

    /// <summary>
    /// SIGKILL the run at random moments <paramref name="kills"/> times, restarting each time,
    /// then run to the end: the output is exactly the uninterrupted run's.
    /// </summary>
    public void KillAndRestore(int kills, int seed)
    {
        var expected = Expected;
        var random = new Random(seed);
        var killed = 0;
        var restoredAfterKill = 0;
        for (var attempt = 0; attempt < kills + 3 && killed < kills; attempt++)
        {
            using var running = Start(Slowed());
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            if (running.Stderr.Contains("restoring from checkpoint", StringComparison.Ordinal) && killed > 0) restoredAfterKill++;
            // Let at least one checkpoint of this run reach the store, then kill at a random moment.
            running.WaitForLog("complete in", TimeSpan.FromSeconds(30));
            Thread.Sleep(random.Next(0, 400));
            if (running.WaitForLog("all sources reached the end of their input", TimeSpan.Zero)) break;
            running.Signal(9);
            Finish(running, TimeSpan.FromSeconds(30));
            killed++;
        }
        Assert.True(killed >= kills - 1, $"only {killed} kills landed before the input ended");

        var final = RunToEnd();
        if (final.Stderr.Contains("restoring from checkpoint", StringComparison.Ordinal)) restoredAfterKill++;
        Assert.True(restoredAfterKill >= killed, $"only {restoredAfterKill} of the runs after {killed} kills restored a checkpoint");
        Assert.Equal(expected, ActualOutput());
    }

    /// <summary>No stderr of any run shows <paramref name="secret"/>.</summary>
    public void AssertNoSecretLogged(string secret)
    {
        lock (AllStderr)
        {
            foreach (var stderr in AllStderr) Assert.DoesNotContain(secret, stderr, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _dir.Dispose();

    private static string Query(string input, string sink) => $"""
        CREATE TABLE events (ts TIMESTAMP, id BIGINT, v BIGINT) WITH (
          connector = 'single_file', path = '{input}', format = 'json', type = 'source', event_time_field = 'ts');
        CREATE TABLE out WITH (connector = 'single_file', path = '{sink}', format = 'json', type = 'sink');
        INSERT INTO out
        SELECT tumble(interval '1 second') AS window, count(*) AS n, sum(v) AS total
        FROM events GROUP BY window;
        """;

    private static void WriteInput(string path, int rows)
    {
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path);
        for (var i = 0; i < rows; i++)
        {
            var ts = start.AddMilliseconds(i * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            writer.WriteLine($"{{\"ts\":\"{ts}\",\"id\":{i},\"v\":{i % 97}}}");
        }
    }
}
