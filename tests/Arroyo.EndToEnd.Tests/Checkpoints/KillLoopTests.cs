using System.Globalization;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>
/// The exactly-once promise: a windowed pipeline killed with SIGKILL at random moments and
/// restarted each time ends with exactly the output of an uninterrupted run.
/// </summary>
public sealed class KillLoopTests
{
    private static string Query(string input, string sink) => $"""
        CREATE TABLE events (ts TIMESTAMP, id BIGINT, v BIGINT) WITH (
          connector = 'single_file', path = '{input}', format = 'json', type = 'source', event_time_field = 'ts');
        CREATE TABLE out WITH (connector = 'single_file', path = '{sink}', format = 'json', type = 'sink');
        INSERT INTO out
        SELECT tumble(interval '1 second') AS window, count(*) AS n, sum(v) AS total
        FROM events GROUP BY window;
        """;

    // Slow the source down so that every kill lands in the middle of the input: 200 batches of
    // 50 rows, one per 50 ms, is 10 s of reading, while the ten attempts together let it read
    // for at most 10 x 300 ms (plus the time a kill takes). The poll delay is a wait, so a
    // loaded machine makes the source slower, never faster: all ten kills land whatever the load.
    private static readonly Dictionary<string, string> s_env = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "100ms",
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "50",
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "50ms",
    };

    private static void WriteInput(string path)
    {
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path);
        for (var i = 0; i < 10_000; i++)
        {
            var ts = start.AddMilliseconds(i * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            writer.WriteLine($"{{\"ts\":\"{ts}\",\"id\":{i},\"v\":{i % 97}}}");
        }
    }

    [Fact]
    public void Killed_ten_times_and_restarted_gives_the_uninterrupted_output()
    {
        using var dir = new TempDirectory();
        WriteInput(dir.File("input.json"));
        File.WriteAllText(dir.File("reference.sql"), Query(dir.File("input.json"), dir.File("reference.json")));
        var reference = ArroyoProcess.Run(["run", "-s", dir.File("reference-state"), dir.File("reference.sql")], environment: s_env);
        Assert.True(reference.ExitCode == 0, reference.ToString());
        var expected = File.ReadAllLines(dir.File("reference.json")).Order().ToList();
        Assert.Equal(100, expected.Count);

        File.WriteAllText(dir.File("q.sql"), Query(dir.File("input.json"), dir.File("out.json")));
        var random = new Random(42);
        var killed = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            Thread.Sleep(random.Next(10, 300));
            // Finished on its own (the kill would come too late): nothing left to interrupt.
            if (running.WaitForLog("pipeline finished", TimeSpan.Zero) || !running.TrySignal(9)) break;
            running.WaitForExit(TimeSpan.FromSeconds(30));
            killed++;
        }
        Assert.True(killed == 10, $"only {killed} of 10 kills landed before the input ended");
        var final = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(final.ExitCode == 0, final.ToString());
        Assert.Equal(expected, File.ReadAllLines(dir.File("out.json")).Order().ToList());
    }
}
