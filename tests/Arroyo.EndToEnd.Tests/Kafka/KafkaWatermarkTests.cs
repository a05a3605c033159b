using System.Globalization;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Kafka;

/// <summary>
/// Watermarks per partition, through the real CLI: one subtask reads two partitions; one that
/// lags does not see its rows dropped as late, and one that goes quiet stops holding the
/// watermark back after <c>idle_micros</c>.
/// </summary>
public sealed class KafkaWatermarkTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    private static readonly DateTime s_start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static string Event(int id, DateTime ts) =>
        $"{{\"id\":{id},\"ts\":\"{ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\"}}";

    private string Query(string topic, string output, string more) => $"""
        CREATE TABLE input (id BIGINT, ts TIMESTAMP) WITH (
          connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', type = 'source',
          source.offset = 'earliest', format = 'json', event_time_field = 'ts'{more});
        CREATE TABLE out WITH (connector = 'single_file', path = '{output}', format = 'json', type = 'sink');
        INSERT INTO out SELECT tumble(interval '1 minute') AS window, count(*) AS n FROM input GROUP BY window;
        """;

    /// <summary>The window counts written so far, by window start.</summary>
    private static SortedDictionary<DateTime, long> Windows(string path)
    {
        var windows = new SortedDictionary<DateTime, long>();
        if (!File.Exists(path)) return windows;
        foreach (var line in File.ReadAllLines(path))
        {
            var row = JsonDocument.Parse(line).RootElement;
            var start = DateTime.Parse(row.GetProperty("window").GetProperty("start").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            windows[start] = row.GetProperty("n").GetInt64();
        }
        return windows;
    }

    [Fact]
    public void A_partition_behind_another_keeps_its_rows()
    {
        using var dir = new TempDirectory();
        var topic = "wm-lag-" + Guid.NewGuid().ToString("N")[..8];
        // Ten minutes of events in partition 0, written (and so mostly fetched) before the same ten minutes in partition 1.
        var events = Enumerable.Range(0, 50).Select(i => Event(i, s_start.AddSeconds(i * 12))).ToList();
        broker.Produce(topic, events, partition: 0);
        broker.Produce(topic, events, partition: 1);
        File.WriteAllText(dir.File("q.sql"), Query(topic, dir.File("out.json"), ""));
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        // Both partitions reached 9:48, so the watermark (9:47) closed the first nine windows.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (Windows(dir.File("out.json")).Count < 9)
        {
            Assert.True(DateTime.UtcNow < deadline, running.Stderr);
            Thread.Sleep(100);
        }
        running.Signal(2);
        Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        var windows = Windows(dir.File("out.json"));
        Assert.Equal(Enumerable.Range(0, 9).Select(m => s_start.AddMinutes(m)), windows.Keys);
        // With one watermark for the subtask, partition 1's rows would arrive behind partition 0's and be dropped.
        Assert.All(windows.Values, n => Assert.Equal(10, n));
    }

    [Fact]
    public void A_quiet_partition_stops_holding_the_watermark_back()
    {
        using var dir = new TempDirectory();
        var topic = "wm-idle-" + Guid.NewGuid().ToString("N")[..8];
        // Partition 1 has one early event, then nothing; partition 0 keeps sending while the pipeline runs.
        broker.Produce(topic, [Event(-1, s_start)], partition: 1);
        File.WriteAllText(dir.File("q.sql"), Query(topic, dir.File("out.json"), ", idle_micros = '1000000'"));
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var sent = 0;
        // Partition 0 never pauses for the idle timeout, so only partition 1's idleness can let windows close.
        while (Windows(dir.File("out.json")).Count < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sent} events sent, windows: {Windows(dir.File("out.json")).Count}\n{running.Stderr}");
            broker.Produce(topic, Enumerable.Range(sent, 5).Select(i => Event(i, s_start.AddSeconds(i * 6))), partition: 0);
            sent += 5;
            Thread.Sleep(200);
        }
        running.Signal(2);
        Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        var windows = Windows(dir.File("out.json"));
        Assert.Equal(s_start, windows.Keys.First());
        // Ten events a minute from partition 0; the first window also has partition 1's event unless it was read after the window closed.
        Assert.InRange(windows[s_start], 10, 11);
        Assert.All(windows.Skip(1), w => Assert.Equal(10, w.Value));
    }
}
