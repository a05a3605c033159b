using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Checkpoints;

/// <summary>
/// The exactly-once promise: a windowed pipeline killed with SIGKILL at random moments and
/// restarted each time ends with exactly the output of an uninterrupted run.
/// </summary>
public sealed class KillLoopTests
{
    private static string Query(string sink) => $"""
        CREATE TABLE impulse WITH (
          connector = 'impulse', event_rate = '4000', event_time_interval = '1000', message_count = '6000');
        CREATE TABLE out (window_end TIMESTAMP, n BIGINT, total BIGINT UNSIGNED)
          WITH (connector = 'single_file', path = '{sink}', format = 'json', type = 'sink');
        INSERT INTO out
        SELECT window.end AS window_end, count(*) AS n, sum(counter) AS total
        FROM impulse GROUP BY tumble(interval '100 millisecond');
        """;

    private static readonly Dictionary<string, string> s_env = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "100ms",
    };

    [Fact]
    public void Killed_ten_times_and_restarted_gives_the_uninterrupted_output()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("reference.sql"), Query(dir.File("reference.json")));
        var reference = ArroyoProcess.Run(["run", "-s", dir.File("reference-state"), dir.File("reference.sql")], environment: s_env);
        Assert.True(reference.ExitCode == 0, reference.ToString());
        var expected = File.ReadAllLines(dir.File("reference.json")).Order().ToList();
        Assert.NotEmpty(expected);

        File.WriteAllText(dir.File("q.sql"), Query(dir.File("out.json")));
        var random = new Random(42);
        for (var kill = 0; kill < 10; kill++)
        {
            using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            Thread.Sleep(random.Next(20, 250));
            running.Signal(9);
            running.WaitForExit(TimeSpan.FromSeconds(30));
        }
        var final = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(final.ExitCode == 0, final.ToString());
        Assert.Equal(expected, File.ReadAllLines(dir.File("out.json")).Order().ToList());
    }
}
