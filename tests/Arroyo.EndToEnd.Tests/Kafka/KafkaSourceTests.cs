using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Kafka;

/// <summary>The kafka source through the real CLI against a broker on loopback: every partition read, positions restored exactly, metadata columns, formats and bad data.</summary>
public sealed class KafkaSourceTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms" };

    private string Source(string topic, string columns, string more = "") => $"""
        CREATE TABLE input ({columns}) WITH (
          connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', type = 'source',
          source.offset = 'earliest'{more});
        """;

    private static string FileSink(string path) =>
        $"CREATE TABLE out WITH (connector = 'single_file', path = '{path}', format = 'json', type = 'sink');";

    /// <summary>Runs until the sink file has <paramref name="lines"/> lines, then stops it with SIGINT (a final checkpoint).</summary>
    private static void RunUntil(string query, string state, string output, int lines, TempDirectory dir)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        using var running = ArroyoProcess.Start(["run", "-s", state, dir.File("q.sql")], environment: s_env);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LineCount(output) < lines)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{LineCount(output)} of {lines} lines after 60 s\n{running.Stderr}");
            Assert.False(running.WaitForLog("pipeline finished", TimeSpan.Zero) && LineCount(output) < lines, running.Stderr);
            Thread.Sleep(50);
        }
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    private static int LineCount(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    [Fact]
    public void Reads_every_partition_with_metadata_and_resumes_after_the_last_checkpoint()
    {
        using var dir = new TempDirectory();
        var topic = "src-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, Enumerable.Range(0, 200).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}"), key: "k");
        var query = Source(topic, "id BIGINT, name TEXT, p INT METADATA FROM 'partition', o BIGINT METADATA FROM 'offset_id', " +
                                  "t TEXT METADATA FROM 'topic', ts BIGINT METADATA FROM 'timestamp', k BYTEA METADATA FROM 'key'", ", format = 'json'") +
                    FileSink(dir.File("out.json")) +
                    "INSERT INTO out SELECT id, name, p, o, t, ts > 0 AS has_ts, k IS NOT NULL AS has_key FROM input;";
        RunUntil(query, dir.File("state"), dir.File("out.json"), 200, dir);

        // More input, read by a second run from the positions of the first.
        broker.Produce(topic, Enumerable.Range(200, 100).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}"));
        RunUntil(query, dir.File("state"), dir.File("out.json"), 300, dir);

        var rows = File.ReadAllLines(dir.File("out.json")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), rows.Select(r => r.GetProperty("id").GetInt64()).Order());
        foreach (var row in rows)
        {
            var id = row.GetProperty("id").GetInt64();
            Assert.Equal(id % KafkaMockBrokerFixture.PartitionsPerTopic, row.GetProperty("p").GetInt32());
            Assert.Equal(id < 200 ? id / 4 : 50 + (id - 200) / 4, row.GetProperty("o").GetInt64());
            Assert.Equal(topic, row.GetProperty("t").GetString());
            Assert.True(row.GetProperty("has_ts").GetBoolean());
            Assert.Equal(id < 200, row.GetProperty("has_key").GetBoolean());
        }
    }

    [Fact]
    public void Text_columns_the_query_does_not_read_are_skipped_without_shifting_the_ones_it_reads()
    {
        // The decoder is told which columns nobody reads; its columns are the table's without the
        // metadata ones, so a metadata column in front must not shift which column that is.
        using var dir = new TempDirectory();
        var topic = "src-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, Enumerable.Range(0, 40).Select(i => $"{{\"skipped\":\"s{i}\",\"name\":\"n{i}\",\"note\":\"x{i}\",\"id\":{i}}}"));
        var query = Source(topic, "p INT METADATA FROM 'partition', skipped TEXT, name TEXT, note TEXT, id BIGINT", ", format = 'json'") +
                    FileSink(dir.File("out.json")) +
                    "INSERT INTO out SELECT id, name, p FROM input;";
        RunUntil(query, dir.File("state"), dir.File("out.json"), 40, dir);

        var rows = File.ReadAllLines(dir.File("out.json")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), rows.Select(r => r.GetProperty("id").GetInt64()).Order());
        foreach (var row in rows)
        {
            var id = row.GetProperty("id").GetInt64();
            Assert.Equal($"n{id}", row.GetProperty("name").GetString());
            Assert.Equal(id % KafkaMockBrokerFixture.PartitionsPerTopic, row.GetProperty("p").GetInt32());
        }
    }

    [Fact]
    public void The_planner_corpus_kafka_metadata_query_runs_and_prints_each_record_with_its_metadata()
    {
        // arroyo-planner/queries/kafka_metadata_udf.sql as the reference has it, only pointed at
        // the test broker and a fresh topic: a bare SELECT printing JSON lines on stdout.
        var corpus = SharedData.RequireConformance();
        var topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
        var query = File.ReadAllText(Path.Combine(corpus, "arroyo-planner", "queries", "kafka_metadata_udf.sql"));
        Assert.Contains("'0.0.0.0:9092'", query);
        Assert.Contains("'order_topic'", query);
        query = query.Replace("'0.0.0.0:9092'", $"'{broker.BootstrapServers}'").Replace("'order_topic'", $"'{topic}'");
        broker.Produce(topic, ["{\"id\":\"before\",\"name\":\"skipped\"}"], partition: 0);

        // No source.offset: the reference's default is 'latest', so only what arrives after the
        // source has its positions is read.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), query);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(running.WaitForLog($"reading {topic} partitions", TimeSpan.FromSeconds(60)), running.Stderr);
        broker.Produce(topic, Enumerable.Range(0, 40).Select(i => $"{{\"id\":\"u{i}\",\"name\":\"user {i}\"}}"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (running.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 40)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than 40 rows after 60 s\n{running.Stderr}");
            Thread.Sleep(50);
        }
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        var rows = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"u{i}").Order(), rows.Select(r => r.GetProperty("id").GetString()).Order());
        foreach (var row in rows)
        {
            var i = int.Parse(row.GetProperty("id").GetString()![1..]);
            Assert.Equal($"user {i}", row.GetProperty("name").GetString());
            Assert.Equal(topic, row.GetProperty("topic").GetString());
            Assert.Equal(i % KafkaMockBrokerFixture.PartitionsPerTopic, row.GetProperty("partition").GetInt32());
            Assert.Equal(i / KafkaMockBrokerFixture.PartitionsPerTopic + (i % KafkaMockBrokerFixture.PartitionsPerTopic == 0 ? 1 : 0), row.GetProperty("offset").GetInt64());
        }
    }

    [Fact]
    public void Restores_at_another_parallelism_without_loss_or_duplicates()
    {
        using var dir = new TempDirectory();
        var topic = "par-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, Enumerable.Range(0, 100).Select(i => $"{i}"));
        var query = Source(topic, "value TEXT", ", format = 'raw_string'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;";
        File.WriteAllText(dir.File("q.sql"), query);
        RunAt(2, 100);
        broker.Produce(topic, Enumerable.Range(100, 100).Select(i => $"{i}"));
        RunAt(3, 200);
        var values = File.ReadAllLines(dir.File("out.json")).Select(l => int.Parse(JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()!)).Order();
        Assert.Equal(Enumerable.Range(0, 200), values);

        void RunAt(int parallelism, int lines)
        {
            using var running = ArroyoProcess.Start(["run", "-p", parallelism.ToString(), "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (LineCount(dir.File("out.json")) < lines)
            {
                Assert.True(DateTime.UtcNow < deadline, running.Stderr);
                Thread.Sleep(50);
            }
            running.Signal(2);
            var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
        }
    }

    [Fact]
    public void Checkpoints_of_a_source_with_nothing_new_build_on_the_previous_offsets_and_a_restore_resumes_from_them()
    {
        using var dir = new TempDirectory();
        var topic = "idle-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, Enumerable.Range(0, 40).Select(i => $"{i}"));
        var query = Source(topic, "value TEXT", ", format = 'raw_string'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;";
        File.WriteAllText(dir.File("q.sql"), query);
        var checkpoints = Path.Combine(dir.File("state"), "checkpoints");
        using (var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            // Everything read, the source's later checkpoints carry its offsets file instead of writing the offsets again.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (LineCount(dir.File("out.json")) < 40 || !CarriesAnEarlierFile(checkpoints))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{LineCount(dir.File("out.json"))} of 40 lines, no checkpoint built on an earlier one after 60 s\n{running.Stderr}");
                Thread.Sleep(50);
            }
            running.Signal(2);
            var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
        }
        broker.Produce(topic, Enumerable.Range(40, 40).Select(i => $"{i}"));
        RunUntil(query, dir.File("state"), dir.File("out.json"), 80, dir);
        var values = File.ReadAllLines(dir.File("out.json")).Select(l => int.Parse(JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()!)).Order();
        Assert.Equal(Enumerable.Range(0, 80), values);
    }

    /// <summary>Whether a checkpoint's manifest lists a file written at an earlier epoch.</summary>
    private static bool CarriesAnEarlierFile(string checkpoints)
    {
        if (!Directory.Exists(checkpoints)) return false;
        foreach (var manifest in Directory.EnumerateFiles(checkpoints, "manifest.json", SearchOption.AllDirectories))
        {
            var epochDirectory = Path.GetFileName(Path.GetDirectoryName(manifest))!;
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(manifest));
                if (json.RootElement.GetProperty("files").EnumerateArray().Any(f => !f.GetProperty("key").GetString()!.Contains(epochDirectory + "/", StringComparison.Ordinal))) return true;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Being written or deleted just now: looked at again on the next round.
            }
        }
        return false;
    }

    [Fact]
    public void Bad_data_fails_naming_the_partition_and_offset_or_is_dropped()
    {
        using var dir = new TempDirectory();
        var topic = "bad-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, ["{\"id\":1}", "not json", "{\"id\":3}"], partition: 0);
        File.WriteAllText(dir.File("fail.sql"), Source(topic, "id BIGINT", ", format = 'json'") + FileSink(dir.File("fail.json")) + "INSERT INTO out SELECT id FROM input;");
        var failed = ArroyoProcess.Run(["run", "-s", dir.File("s1"), dir.File("fail.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains($"bad data in {topic} partition 0 offset 1", failed.Stderr);
        Assert.DoesNotContain("   at ", failed.Stderr);

        var query = Source(topic, "id BIGINT", ", format = 'json', bad_data = 'drop'") + FileSink(dir.File("drop.json")) + "INSERT INTO out SELECT id FROM input;";
        RunUntil(query, dir.File("s2"), dir.File("drop.json"), 2, dir);
        Assert.Equal(["{\"id\":1}", "{\"id\":3}"], File.ReadAllLines(dir.File("drop.json")));
    }

    [Fact]
    public void Newline_framing_splits_messages_and_raw_bytes_pass_through_unchanged()
    {
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        broker.Produce("framed-" + id, ["a\nb", "c\n\nd"], partition: 0);
        var framed = Source("framed-" + id, "value TEXT", ", format = 'raw_string', framing = 'newline'") + FileSink(dir.File("framed.json")) +
                     "INSERT INTO out SELECT value FROM input;";
        RunUntil(framed, dir.File("s1"), dir.File("framed.json"), 4, dir);
        Assert.Equal(["{\"value\":\"a\"}", "{\"value\":\"b\"}", "{\"value\":\"c\"}", "{\"value\":\"d\"}"], File.ReadAllLines(dir.File("framed.json")));

        broker.Produce("bytes-" + id, ["x\u00e9y", "{not json}"], partition: 0);
        var copy = Source("bytes-" + id, "value BYTEA", ", format = 'raw_bytes'") + $"""
            CREATE TABLE out WITH (connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = 'copy-{id}', type = 'sink', format = 'raw_bytes');
            INSERT INTO out SELECT value FROM input;
            """;
        File.WriteAllText(dir.File("copy.sql"), copy);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("s2"), dir.File("copy.sql")], environment: s_env);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (broker.ReadAll("copy-" + id).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, running.Stderr);
            Thread.Sleep(100);
        }
        running.Signal(2);
        Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        // The unkeyed sink spreads records over the topic's partitions, so their order is not kept.
        Assert.Equal(new[] { "x\u00e9y", "{not json}" }.Order(StringComparer.Ordinal),
            broker.ReadAll("copy-" + id).Select(r => r.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_partition_added_while_running_is_read()
    {
        using var dir = new TempDirectory();
        var topic = "grow-" + Guid.NewGuid().ToString("N")[..8];
        broker.Produce(topic, Enumerable.Range(0, 8).Select(i => $"{i}"));
        var query = Source(topic, "value TEXT", ", format = 'raw_string'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;";
        File.WriteAllText(dir.File("q.sql"), query);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LineCount(dir.File("out.json")) < 8)
        {
            Assert.True(DateTime.UtcNow < deadline, running.Stderr);
            Thread.Sleep(50);
        }
        using (var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = broker.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            try
            {
                admin.CreatePartitionsAsync([new Confluent.Kafka.Admin.PartitionsSpecification { Topic = topic, IncreaseTo = KafkaMockBrokerFixture.PartitionsPerTopic + 1 }],
                        new Confluent.Kafka.Admin.CreatePartitionsOptions { RequestTimeout = TimeSpan.FromSeconds(10), OperationTimeout = TimeSpan.FromSeconds(10) })
                    .GetAwaiter().GetResult();
            }
            catch (Confluent.Kafka.KafkaException e)
            {
                running.Signal(2);
                running.WaitForExit(TimeSpan.FromSeconds(60));
                Assert.Skip($"the test broker (librdkafka's mock cluster) cannot add partitions to a topic: {e.Error.Reason}");
            }
        }
        broker.Produce(topic, ["new"], partition: KafkaMockBrokerFixture.PartitionsPerTopic);
        // Discovery runs every 10 s.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LineCount(dir.File("out.json")) < 9)
        {
            Assert.True(DateTime.UtcNow < deadline, running.Stderr);
            Thread.Sleep(100);
        }
        running.Signal(2);
        Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        Assert.Contains("{\"value\":\"new\"}", File.ReadAllLines(dir.File("out.json")));
    }
}
