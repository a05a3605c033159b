using System.Globalization;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Kafka;

/// <summary>
/// The kafka sink through the real CLI: keys and timestamps, and exactly once across kill -9
/// (Kafka → tumbling aggregate → Kafka), also restored at another parallelism.
/// </summary>
public sealed class KafkaSinkTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    private static readonly DateTime s_start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private string Kafka(string name, string topic, string columns, string options) => $"""
        CREATE TABLE {name} {columns} WITH (
          connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', format = 'json', {options});
        """;

    [Fact]
    public void At_least_once_writes_keys_and_timestamps()
    {
        using var dir = new TempDirectory();
        var output = "alo-" + Guid.NewGuid().ToString("N")[..8];
        var query = "CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '20');" +
                    Kafka("out", output, "", "type = 'sink', sink.commit_mode = 'at_least_once', sink.key_field = 'k', sink.timestamp_field = 't'") +
                    "INSERT INTO out SELECT counter, CAST(counter % 3 AS TEXT) AS k, to_timestamp_millis(CAST(counter AS BIGINT) + 1700000000000) AS t FROM i;";
        File.WriteAllText(dir.File("q.sql"), query);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], timeout: TimeSpan.FromSeconds(90));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var records = broker.ReadAll(output);
        Assert.Equal(20, records.Count);
        foreach (var record in records)
        {
            var counter = JsonDocument.Parse(record.Value).RootElement.GetProperty("counter").GetInt64();
            Assert.Equal((counter % 3).ToString(CultureInfo.InvariantCulture), record.Key);
            Assert.Equal(1700000000000 + counter, record.TimestampMillis);
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i),
            records.Select(r => JsonDocument.Parse(r.Value).RootElement.GetProperty("counter").GetInt64()).Order());
    }

    [Fact]
    public void An_updating_input_is_written_as_debezium_changes()
    {
        using var dir = new TempDirectory();
        var output = "dbz-" + Guid.NewGuid().ToString("N")[..8];
        var query = "CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '10');" +
                    Kafka("out", output, "", "type = 'sink', sink.commit_mode = 'exactly_once'").Replace("format = 'json'", "format = 'debezium_json'") +
                    "INSERT INTO out SELECT counter % 2 AS k, count(*) AS n FROM i GROUP BY k;";
        File.WriteAllText(dir.File("q.sql"), query);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], timeout: TimeSpan.FromSeconds(90));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        // Replaying the changes in order leaves each key's final count.
        var final = new Dictionary<long, long>();
        foreach (var record in broker.ReadAll(output).OrderBy(r => r.Offset))
        {
            var change = JsonDocument.Parse(record.Value).RootElement;
            var op = change.GetProperty("op").GetString();
            Assert.Contains(op, new[] { "c", "u", "d" });
            if (op == "d") final.Remove(change.GetProperty("before").GetProperty("k").GetInt64());
            else final[change.GetProperty("after").GetProperty("k").GetInt64()] = change.GetProperty("after").GetProperty("n").GetInt64();
        }
        Assert.Equal(new Dictionary<long, long> { [0] = 5, [1] = 5 }, final);
    }

    // The kill test's input grows by one chunk before each run, and its last chunk comes only
    // before the final run: every killed run has input whose windows are still open, so the
    // pipeline cannot have written all its output before the tenth kill, however fast it goes.
    private const int Kills = 10;
    // 33,001 events in all: librdkafka's mock broker stops serving a partition's fetches at about 43,000 (bench/NOTES.md).
    private const int ChunkEvents = 3_000;
    private const int Events = (Kills + 1) * ChunkEvents;
    private const int Windows = Events / 100;

    /// <summary>Events [from, from + count) of the input, on one partition; the last chunk also ends with an event far ahead that closes every window.</summary>
    private void WriteInput(string topic, int from, int count)
    {
        // One partition: the watermark follows one ordered stream, so which rows are late cannot depend on
        // how fetches of several partitions interleave.
        var lines = Enumerable.Range(from, count).Select(i => Event(i, s_start.AddMilliseconds(i * 10)));
        if (from + count == Events) lines = lines.Append(Event(Events, s_start.AddSeconds(Events)));
        broker.Produce(topic, lines, partition: 0);
    }

    private static string Event(int i, DateTime ts) =>
        $"{{\"ts\":\"{ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\",\"v\":{i % 97}}}";

    private static List<string> Expected() => Enumerable.Range(0, Windows)
        .Select(w => $"{w} 100 {Enumerable.Range(w * 100, 100).Sum(i => i % 97)}")
        .ToList();

    private static string Describe(KafkaRecord record)
    {
        var row = JsonDocument.Parse(record.Value).RootElement;
        var start = DateTime.Parse(row.GetProperty("window").GetProperty("start").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return $"{(int)(start - s_start).TotalSeconds} {row.GetProperty("n").GetInt64()} {row.GetProperty("total").GetInt64()}";
    }

    // The final run reads the backlog the killed runs left at full speed.
    private static readonly Dictionary<string, string> s_env = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "400ms",
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "50",
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "10ms",
    };

    // The kill test must kill between two transactions (see there), so transactions are seconds
    // apart: far more than the time to notice a commit and kill, however loaded the machine.
    // The source reads at most 40 events per 100 ms: a chunk (3,000) lasts at least 7.5 s, longer
    // than a run takes to its kill (the random pause of at most 2 s, then the next commit, at
    // most one 3 s interval later), so every run has windows to close and commit.
    private static readonly Dictionary<string, string> s_killEnv = new()
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "3s",
        ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "40",
        ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = "100ms",
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public void Exactly_once_killed_and_restarted_gives_the_uninterrupted_output(int parallelism, int restoredParallelism)
    {
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var input = "in-" + id;
        var output = "out-" + id;
        var query = Kafka("events", input, "(ts TIMESTAMP, v BIGINT)", "type = 'source', source.offset = 'earliest', event_time_field = 'ts', idle_micros = '500000'") +
                    Kafka("out", output, "", "type = 'sink', sink.commit_mode = 'exactly_once'") +
                    "INSERT INTO out SELECT tumble(interval '1 second') AS window, count(*) AS n, sum(v) AS total FROM events GROUP BY window;";
        File.WriteAllText(dir.File("q.sql"), query);

        var random = new Random(parallelism);
        var kills = 0;
        var replayed = 0;
        for (var attempt = 0; attempt < Kills; attempt++)
        {
            WriteInput(input, attempt * ChunkEvents, ChunkEvents);
            using var running = ArroyoProcess.Start(["run", "-p", parallelism.ToString(CultureInfo.InvariantCulture), "-s", dir.File("state"), dir.File("q.sql")], environment: s_killEnv);
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            Thread.Sleep(random.Next(100, 2000));
            // Kill between transactions: librdkafka's mock broker shows aborted transactions to
            // read_committed readers, so a kill inside one would show rows a real broker hides.
            var commits = Count(running.Stderr, "messages to " + output);
            // Generous for a loaded machine; the unread chunk guarantees a commit comes.
            Assert.True(WaitFor(() => Count(running.Stderr, "messages to " + output) > commits, TimeSpan.FromSeconds(30)),
                $"run {attempt + 1} committed nothing new within 30 s\n{running.Stderr}");
            // Each subtask commits its own transaction: kill once no other commit follows for a moment.
            for (var seen = -1; seen != Count(running.Stderr, "messages to " + output);)
            {
                seen = Count(running.Stderr, "messages to " + output);
                Thread.Sleep(400 + random.Next(0, 150));
            }
            Assert.True(running.TrySignal(9), $"run {attempt + 1} exited before its kill\n{running.Stderr}");
            running.WaitForExit(TimeSpan.FromSeconds(30));
            replayed += Count(running.Stderr, "was committed before the restart");
            kills++;
        }
        Assert.Equal(Kills, kills);

        WriteInput(input, Kills * ChunkEvents, ChunkEvents);
        using (var final = ArroyoProcess.Start(["run", "-p", restoredParallelism.ToString(CultureInfo.InvariantCulture), "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            // Stop only a pipeline that started (a SIGINT before its handler is exit 130).
            Assert.True(final.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), final.Stderr);
            var done = WaitFor(() => broker.ReadAll(output).Count >= Windows, TimeSpan.FromSeconds(90));
            final.Signal(2);
            var outcome = final.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(done, $"output incomplete: {broker.ReadAll(output).Count} of {Windows}\n{outcome}");
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
            replayed += Count(outcome.Stderr, "was committed before the restart");
        }
        // Restarts replayed the restored checkpoint's commit (when it had output) and found it done.
        Assert.True(replayed >= 1, $"{replayed} replayed commits after {kills} kills");
        var records = broker.ReadAll(output);
        Assert.Equal(Expected(), records.Select(Describe).OrderBy(l => int.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)).ToList());
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(100);
        }
        return true;
    }
}
