using System.Globalization;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.State.Checkpoints;
using Arroyo.State.Files;

namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// A bounded pipeline with every kind of state file — sources (impulse, single_file), a window
/// (tumble), an updating aggregate (GROUP BY) and sinks (single_file) — whose outputs show whether a
/// restart lost or repeated anything committed: every counter exactly once, every window
/// once with all its rows, and the GROUP BY's changelog folding to the exact totals.
/// </summary>
internal sealed class FaultPipeline : IDisposable
{
    public const int Count = 3000;

    /// <summary>A first run that stops (as on Ctrl-C) after three checkpoints, a fraction of the way in.</summary>
    public static readonly Dictionary<string, string> Interrupted = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "100ms",
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "20",
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "10ms",
        ["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = "3",
    };

    public static readonly string[] Outputs = ["counters.json", "windows.json", "groups.json"];

    public FaultPipeline(string? stateDir = null)
    {
        StateDir = stateDir ?? Dir.File("state");
        // The window reads event times from its input so that what it emits does not depend
        // on how fast the runs go (an impulse's rows carry processing time).
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllLines(Dir.File("events.json"), Enumerable.Range(0, Count).Select(i =>
            $"{{\"ts\":\"{start.AddMilliseconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\",\"id\":{i}}}"));
        File.WriteAllText(QueryFile, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '{Count}');
            CREATE TABLE events (ts TIMESTAMP, id BIGINT) WITH (
              connector = 'single_file', path = '{Dir.File("events.json")}', format = 'json', type = 'source', event_time_field = 'ts');
            CREATE TABLE counters (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{Dir.File("counters.json")}', format = 'json', type = 'sink');
            CREATE TABLE windows WITH (connector = 'single_file', path = '{Dir.File("windows.json")}', format = 'json', type = 'sink');
            CREATE TABLE groups WITH (connector = 'single_file', path = '{Dir.File("groups.json")}', format = 'debezium_json', type = 'sink');
            INSERT INTO counters SELECT counter FROM impulse;
            INSERT INTO windows SELECT tumble(interval '100 millisecond') AS w, count(*) AS n, sum(id) AS s FROM events GROUP BY w;
            INSERT INTO groups SELECT counter % 7 AS k, count(*) AS n, sum(counter) AS s FROM impulse GROUP BY k;
            """);
    }

    public TempDirectory Dir { get; } = new();

    public string StateDir { get; }

    public string QueryFile => Dir.File("q.sql");

    /// <summary>The first run: checkpoints 1–4 (the last one on stopping), part of the input written.</summary>
    public void RunInterrupted()
    {
        var outcome = Run(Interrupted);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.True(NewestEpoch >= 2, outcome.ToString());
    }

    public RunOutcome Run(IDictionary<string, string>? environment = null, bool force = false)
    {
        string[] args = force ? ["run", "-f", "-s", StateDir, QueryFile] : ["run", "-s", StateDir, QueryFile];
        return ArroyoProcess.Run(args, environment: environment);
    }

    public string CheckpointsDir => Path.Combine(StateDir, "checkpoints");

    public IReadOnlyList<long> Epochs =>
        Directory.GetFiles(CheckpointsDir, "manifest.json", SearchOption.AllDirectories)
            .Select(m => long.Parse(Path.GetFileName(Path.GetDirectoryName(m)!)["epoch-".Length..], CultureInfo.InvariantCulture))
            .Order().ToList();

    public long NewestEpoch => Epochs[^1];

    public string ManifestPath(long epoch) => Path.Combine(StateDir, StatePaths.Manifest(epoch));

    /// <summary>The state files of a checkpoint, by path.</summary>
    public IReadOnlyList<string> StateFiles(long epoch) =>
        Directory.GetFiles(Path.Combine(StateDir, StatePaths.EpochDirectory(epoch)), "*.state", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The state file of <paramref name="epoch"/> of one kind of operator: "i" the impulse
    /// source, "fr:start" the file source (its byte ranges), "f:length" a file sink (the first),
    /// "updating_aggregates.v2", "window_aggregates" — a table name, and a column its rows have.
    /// </summary>
    public string StateFileOf(long epoch, string kind)
    {
        var (table, column) = kind.Split(':') is [var t, var c] ? (t, c) : (kind, null);
        return StateFiles(epoch).First(f => StateFile.Read(File.ReadAllBytes(f)).TryGetValue(table, out var batches)
            && (column is null || batches.Any(b => b.Schema.Fields.Any(field => field.Name == column))));
    }

    /// <summary>The state dir key of a file below it, as warnings name it.</summary>
    public string KeyOf(string path) => Path.GetRelativePath(StateDir, path).Replace(Path.DirectorySeparatorChar, '/');

    public Dictionary<string, byte[]> SnapshotOutputs() =>
        Outputs.ToDictionary(o => o, o => File.Exists(Dir.File(o)) ? File.ReadAllBytes(Dir.File(o)) : []);

    /// <summary>A refused or failed run must not touch what the sinks had written.</summary>
    public void AssertOutputsUnchanged(Dictionary<string, byte[]> before)
    {
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Dir.File(name))), $"{name} changed");
    }

    /// <summary>The outputs of a run that reached the end: each counter once, each window once, the exact group totals.</summary>
    public void AssertExactlyOnce()
    {
        var counters = File.ReadAllLines(Dir.File("counters.json"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("counter").GetInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), counters);

        var windows = File.ReadAllLines(Dir.File("windows.json")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // 100 ms windows over one event per millisecond: 30 windows of 100 rows, each once.
        var starts = windows.Select(w => w.GetProperty("w").GetProperty("start").GetString()).ToList();
        Assert.Equal(Count / 100, starts.Distinct().Count());
        Assert.Equal(Count / 100, windows.Count);
        Assert.All(windows, w => Assert.Equal(100, w.GetProperty("n").GetInt64()));
        Assert.Equal((long)Count * (Count - 1) / 2, windows.Sum(w => w.GetProperty("s").GetInt64()));

        // Fold the debezium changelog: a "before" removes the row it names, an "after" sets one.
        var groups = new Dictionary<long, (long N, long S)>();
        foreach (var line in File.ReadAllLines(Dir.File("groups.json")))
        {
            var change = JsonDocument.Parse(line).RootElement;
            if (change.GetProperty("before") is { ValueKind: JsonValueKind.Object } before)
            {
                var k = before.GetProperty("k").GetInt64();
                Assert.True(groups.Remove(k, out var old) && old == (before.GetProperty("n").GetInt64(), before.GetProperty("s").GetInt64()),
                    $"retraction of a row that is not there: {line}");
            }
            if (change.GetProperty("after") is { ValueKind: JsonValueKind.Object } after)
            {
                Assert.True(groups.TryAdd(after.GetProperty("k").GetInt64(), (after.GetProperty("n").GetInt64(), after.GetProperty("s").GetInt64())),
                    $"a second row for a key: {line}");
            }
        }
        for (var k = 0L; k < 7; k++)
        {
            var members = Enumerable.Range(0, Count).Where(c => c % 7 == k).ToList();
            Assert.Equal((members.Count, members.Sum(c => (long)c)), groups[k]);
        }
        Assert.Equal(7, groups.Count);
    }

    public void Dispose() => Dir.Dispose();
}
