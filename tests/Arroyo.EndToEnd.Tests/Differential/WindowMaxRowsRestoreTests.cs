using System.Globalization;
using System.Text;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Joins with the window's maximum, planned as the rows at it (Logical/WindowMaxJoin) in two
/// phases, in q7's shape (a distinct per tumbling window) and q5's (the maximum of a hop
/// count): run straight at parallelism 1 and 2, and stopped at a checkpoint mid-input at 2 then
/// restored at 3, the output is the rows at each window's maximum of all the input, computed here.
/// </summary>
public sealed class WindowMaxRowsRestoreTests
{
    private static readonly DateTime s_start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private const int Rows = 8000;

    /// <summary>Rows 10 ms apart (80 s), a quarter of them up to 0.5 s early (inside the 1 s watermark bound); v with ties and NULLs.</summary>
    private static List<(DateTime Ts, string? K, long? V)> Input()
    {
        var random = new Random(77);
        var rows = new List<(DateTime, string?, long?)>();
        for (var i = 0; i < Rows; i++)
        {
            var ts = s_start.AddMilliseconds(i * 10 - (random.Next(4) == 0 ? random.Next(500) : 0));
            rows.Add((ts, random.Next(6) switch { 0 => null, var n => "k" + n }, random.Next(10) == 0 ? null : random.Next(40)));
        }
        return rows;
    }

    private static string Query(TempDirectory dir) => $"""
        CREATE TABLE t (
          ts TIMESTAMP NOT NULL,
          k TEXT,
          v BIGINT,
          WATERMARK FOR ts AS ts - INTERVAL '1 second'
        ) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json', type = 'source');
        CREATE TABLE top_values WITH (connector = 'single_file', path = '{dir.File("top_values.json")}', format = 'json', type = 'sink');
        CREATE TABLE top_counts WITH (connector = 'single_file', path = '{dir.File("top_counts.json")}', format = 'json', type = 'sink');
        INSERT INTO top_values SELECT B.k, B.v, B.w.start AS ws
        FROM (SELECT k, v, tumble(interval '10 seconds') AS w FROM t GROUP BY k, v, w) B
        JOIN (SELECT max(v) AS m, tumble(interval '10 seconds') AS w FROM t GROUP BY w) M ON B.v = M.m AND B.w = M.w;
        INSERT INTO top_counts SELECT A.k, A.num, A.w.start AS ws
        FROM (SELECT k, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS w FROM t GROUP BY k, w) A
        JOIN (SELECT max(C.num) AS maxn, C.w FROM (SELECT k, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS w FROM t GROUP BY k, w) C GROUP BY C.w) M
        ON A.w = M.w AND A.num >= M.maxn;
        """;

    private static void WriteInput(TempDirectory dir)
    {
        var text = new StringBuilder();
        foreach (var (ts, k, v) in Input())
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["ts"] = ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["k"] = k,
                ["v"] = v,
            })).Append('\n');
        }
        File.WriteAllText(dir.File("in.json"), text.ToString());
    }

    private static long Floor(DateTime t, int seconds) => (long)Math.Floor((t - s_start).TotalSeconds / seconds) * seconds;

    /// <summary>(k, v, window start in seconds from the start): the distinct (k, v) at each 10 s window's maximum of v.</summary>
    private static List<string> ExpectedTopValues() => Input()
        .Where(r => r.V is not null)
        .GroupBy(r => Floor(r.Ts, 10))
        .SelectMany(w => w.Where(r => r.V == w.Max(x => x.V)).Select(r => Row(r.K, r.V!.Value, w.Key)).Distinct())
        .Order(StringComparer.Ordinal).ToList();

    /// <summary>(k, count, window start): the keys with the most rows in each 10 s window sliding by 2 s.</summary>
    private static List<string> ExpectedTopCounts()
    {
        var counts = Input()
            .SelectMany(r => Enumerable.Range(0, 5).Select(i => (r.K, Start: Floor(r.Ts, 2) - 2 * i)))
            .GroupBy(x => x.Start)
            .SelectMany(w => w.GroupBy(x => x.K).Select(g => (w.Key, K: g.Key, Count: (long)g.Count())))
            .ToList();
        return counts.GroupBy(c => c.Key)
            .SelectMany(w => w.Where(c => c.Count == w.Max(x => x.Count)).Select(c => Row(c.K, c.Count, w.Key)))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static string Row(string? k, long value, long windowStart) => $"{k ?? "NULL"}|{value}|{windowStart}";

    private static List<string> Output(TempDirectory dir, string file, string valueField) => File.ReadAllLines(dir.File(file))
        .Where(l => l.Length > 0)
        .Select(l => JsonDocument.Parse(l).RootElement)
        .Select(e => Row(e.GetProperty("k").ValueKind == JsonValueKind.Null ? null : e.GetProperty("k").GetString(), e.GetProperty(valueField).GetInt64(),
            (long)(DateTime.Parse(e.GetProperty("ws").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) - s_start).TotalSeconds))
        .Order(StringComparer.Ordinal).ToList();

    private static readonly Dictionary<string, string> s_fast = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms" };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Straight_run_gives_the_rows_at_each_windows_maximum(int parallelism)
    {
        using var dir = new TempDirectory();
        WriteInput(dir);
        File.WriteAllText(dir.File("query.sql"), Query(dir));
        var run = ArroyoProcess.Run(["run", "-p", parallelism.ToString(CultureInfo.InvariantCulture), "-s", dir.File("state"), dir.File("query.sql")], environment: s_fast);
        Assert.True(run.ExitCode == 0, run.ToString());
        AssertOutput(dir);
    }

    [Fact]
    public void Stopped_mid_window_at_parallelism_2_and_restored_at_3_gives_the_same_rows()
    {
        using var dir = new TempDirectory();
        WriteInput(dir);
        File.WriteAllText(dir.File("query.sql"), Query(dir));
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("query.sql")], environment: new Dictionary<string, string>(s_fast)
        {
            ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "64",
            ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "5ms",
            ["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = "2",
        });
        // 125 polls 5 ms apart: the stop normally comes mid-input, but how far the first run got depends on
        // the machine, so only the combined output is checked (as the conformance corpus's restore mode).
        Assert.True(first.ExitCode == 0, "first run (parallelism 2, stopped at a checkpoint):\n" + first);

        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", dir.File("state"), dir.File("query.sql")], environment: s_fast);
        Assert.True(second.ExitCode == 0, "second run (restored at parallelism 3):\n" + second);
        Assert.Contains("restoring from checkpoint", second.Stderr);
        AssertOutput(dir);
    }

    private static void AssertOutput(TempDirectory dir)
    {
        Assert.Equal(ExpectedTopValues(), Output(dir, "top_values.json", "v"));
        Assert.Equal(ExpectedTopCounts(), Output(dir, "top_counts.json", "num"));
    }
}
