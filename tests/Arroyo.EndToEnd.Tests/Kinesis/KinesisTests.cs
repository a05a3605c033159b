using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;
using static Arroyo.EndToEnd.Tests.Support.MessagePipeline;

namespace Arroyo.EndToEnd.Tests.Kinesis;

/// <summary>
/// The kinesis connector through the real CLI against kinesalite: shards spread over subtasks
/// and restored exactly after kill -9 at another parallelism, a shard split while reading,
/// the sink, and clear errors for an unreachable endpoint, missing credentials and bad options.
/// </summary>
public sealed class KinesisTests(KinesaliteFixture kinesis) : IClassFixture<KinesaliteFixture>
{
    private Dictionary<string, string> Env() => new(kinesis.Environment)
    {
        ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "300ms",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    private static IEnumerable<string> Numbers(int from, int count) => Enumerable.Range(from, count).Select(i => i.ToString());

    private static string Source(string stream) => $"""
        CREATE TABLE input (value TEXT) WITH (connector = 'kinesis', stream_name = '{stream}', type = 'source',
          source.offset = 'earliest', format = 'raw_string');
        """;

    [Fact]
    public void Shards_resume_after_kill_9_at_another_parallelism_without_loss_or_duplicates()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "s-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(stream, shards: 4).GetAwaiter().GetResult();
        kinesis.PutAsync(stream, Numbers(0, 100)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream) + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");

        using (var first = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 100, 2, Env()))
        {
            WaitForMoreCheckpoints(first);
            Kill(first);
        }
        kinesis.PutAsync(stream, Numbers(100, 100)).GetAwaiter().GetResult();
        using (var second = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 200, 3, Env())) Stop(second);

        // Shards interleave, so only the set is fixed: each record exactly once.
        Assert.Equal(Numbers(0, 200).Order(), Values(dir.File("out.json")).Order());
    }

    [Fact]
    public void A_split_shard_is_read_to_its_end_then_its_children()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "r-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(stream, shards: 1).GetAwaiter().GetResult();
        var parent = kinesis.ShardIdsAsync(stream).GetAwaiter().GetResult().Single();
        kinesis.PutAsync(stream, Numbers(0, 50)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream) + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");

        using (var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 50, 1, Env()))
        {
            kinesis.SplitAsync(stream, parent).GetAwaiter().GetResult();
            kinesis.PutAsync(stream, Numbers(50, 50)).GetAwaiter().GetResult();
            WaitForLines(running, dir.File("out.json"), 100);
            Assert.True(running.WaitForLog($"shard {parent} of {stream} is closed", TimeSpan.FromSeconds(30)), running.Stderr);
            Assert.True(running.WaitForLog("new shards of Kinesis stream", TimeSpan.FromSeconds(30)), running.Stderr);
            Stop(running);
        }
        // A restart reads nothing twice: the closed parent stays closed, the children resume.
        kinesis.PutAsync(stream, Numbers(100, 10)).GetAwaiter().GetResult();
        using (var again = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 110, 2, Env())) Stop(again);
        var values = Values(dir.File("out.json"));
        Assert.Equal(Numbers(0, 110).Order(), values.Order());
        // The parent's records all come before any child's.
        Assert.Equal(Numbers(0, 50), values.Take(50));
    }

    [Fact]
    public void The_sink_writes_every_row()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "k-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(stream, shards: 2).GetAwaiter().GetResult();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '120');
            CREATE TABLE k WITH (connector = 'kinesis', stream_name = '{stream}', type = 'sink', format = 'json',
              sink.max_records_per_batch = '50', sink.flush_interval_millis = '100');
            INSERT INTO k SELECT counter FROM i;
            """, environment: Env());
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var records = kinesis.ReadAllAsync(stream).GetAwaiter().GetResult();
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"{{\"counter\":{i}}}").Order(), records.Order());
    }

    [Fact]
    public void One_source_table_read_by_two_statements_feeds_one_sink_table_written_by_two()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var input = "in-" + Guid.NewGuid().ToString("N")[..8];
        var output = "out-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(input, shards: 2).GetAwaiter().GetResult();
        kinesis.CreateStreamAsync(output, shards: 2).GetAwaiter().GetResult();
        kinesis.PutAsync(input, Numbers(0, 60)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(input) + $"""
            CREATE TABLE both (value TEXT, kind TEXT) WITH (connector = 'kinesis', stream_name = '{output}', type = 'sink', format = 'json',
              sink.flush_interval_millis = '100');
            INSERT INTO both SELECT value, 'even' AS kind FROM input WHERE CAST(value AS BIGINT) % 2 = 0;
            INSERT INTO both SELECT value, 'odd' AS kind FROM input WHERE CAST(value AS BIGINT) % 2 = 1;
            """);
        using var running = ArroyoProcess.Start(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment: Env());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        List<string> records;
        while ((records = kinesis.ReadAllAsync(output).GetAwaiter().GetResult()).Count < 60)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{records.Count} of 60 records\n{running.Stderr}");
            Thread.Sleep(200);
        }
        Stop(running);
        var expected = Enumerable.Range(0, 60).Select(i => $"{{\"value\":\"{i}\",\"kind\":\"{(i % 2 == 0 ? "even" : "odd")}\"}}");
        Assert.Equal(expected.Order(), kinesis.ReadAllAsync(output).GetAwaiter().GetResult().Distinct().Order());
    }

    [Fact]
    public void The_source_retries_while_the_server_is_away_and_loses_nothing()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "o-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(stream, shards: 2).GetAwaiter().GetResult();
        kinesis.PutAsync(stream, Numbers(0, 50)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream) + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");
        using (var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 50, 2, Env()))
        {
            WaitForMoreCheckpoints(running);
            kinesis.Kill();
            Assert.True(running.WaitForLog($"of {stream} at {kinesis.Endpoint}", TimeSpan.FromSeconds(60)), running.Stderr);
            kinesis.RestartAsync().GetAwaiter().GetResult();
            kinesis.PutAsync(stream, Numbers(50, 50)).GetAwaiter().GetResult();
            WaitForLines(running, dir.File("out.json"), 100);
            Stop(running);
        }
        // Exactly once across the outage: every record, none twice.
        Assert.Equal(Numbers(0, 100).Order(), Values(dir.File("out.json")).Order());
    }

    [Fact]
    public void The_sink_retries_while_the_server_is_away_and_loses_nothing()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "w-" + Guid.NewGuid().ToString("N")[..8];
        kinesis.CreateStreamAsync(stream, shards: 2).GetAwaiter().GetResult();
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '200', message_count = '2000');
            CREATE TABLE k WITH (connector = 'kinesis', stream_name = '{stream}', type = 'sink', format = 'json', sink.flush_interval_millis = '100');
            INSERT INTO k SELECT counter FROM i;
            """, environment: Env());
        WaitForMoreCheckpoints(running);
        kinesis.Kill();
        // The sink's first warning comes after 5 s of failed attempts.
        Assert.True(running.WaitForLog($"writing to Kinesis stream '{stream}' at {kinesis.Endpoint}", TimeSpan.FromSeconds(60)), running.Stderr);
        kinesis.RestartAsync().GetAwaiter().GetResult();
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        // At least once: a batch in flight when the server died may have been stored and is sent again.
        var records = kinesis.ReadAllAsync(stream).GetAwaiter().GetResult();
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"{{\"counter\":{i}}}").Order(), records.Distinct().Order());
    }

    [Theory]
    [InlineData("source")]
    [InlineData("sink")]
    public void An_unreachable_endpoint_is_named_within_30_seconds(string role)
    {
        using var dir = new TempDirectory();
        var endpoint = $"http://127.0.0.1:{ClosedPort()}";
        var env = new Dictionary<string, string>(Env()) { ["AWS_ENDPOINT_URL"] = endpoint };
        var table = $"CREATE TABLE k (value TEXT) WITH (connector = 'kinesis', stream_name = 'x', type = '{role}', format = 'raw_string');";
        var query = role == "source"
            ? table + "SELECT value FROM k;"
            : table + "CREATE TABLE i WITH (connector = 'impulse', event_rate = '10', message_count = '5'); INSERT INTO k SELECT CAST(counter AS TEXT) AS value FROM i;";
        var outcome = RunFailing(query, dir, env);
        Assert.Contains(endpoint, outcome.Stderr);
        Assert.Contains("stream 'x'", outcome.Stderr);
    }

    [Fact]
    public void A_missing_stream_is_named()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing(Source("no-such-stream") + "SELECT value FROM input;", dir, Env());
        Assert.Contains("Kinesis stream 'no-such-stream' does not exist", outcome.Stderr);
    }

    [Fact]
    public void Missing_credentials_fail_clearly()
    {
        kinesis.RequireRunning();
        using var dir = new TempDirectory();
        var env = Env();
        env.Remove("AWS_ACCESS_KEY_ID");
        env.Remove("AWS_SECRET_ACCESS_KEY");
        env["AWS_SHARED_CREDENTIALS_FILE"] = dir.File("none");
        env["AWS_CONFIG_FILE"] = dir.File("none");
        var outcome = RunFailing(Source("x") + "SELECT value FROM input;", dir, env);
        Assert.Contains("stream 'x'", outcome.Stderr);
        Assert.Contains("credentials", outcome.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("kinesis", "type = 'source'", "requires the option 'stream_name'")]
    [InlineData("kinesis", "stream_name = 's'", "type must be one of 'source' or 'sink'")]
    [InlineData("kinesis", "stream_name = 's', type = 'source', source.offset = 'first'", "expected one of 'latest', 'earliest'")]
    [InlineData("kinesis", "stream_name = 's', type = 'sink', sink.max_records_per_batch = '501'", "expected an integer from 1 to 500")]
    [InlineData("kinesis", "stream_name = 's', type = 'sink', sink.max_bytes_per_batch = '5000000'", "expected an integer from 1 to 4000000")]
    [InlineData("kinesis", "stream_name = 's', type = 'sink', sink.records_per_batch = '10'", "unknown options provided in WITH clause: 'sink.records_per_batch'")]
    [InlineData("kinesis", "stream_name = 's', type = 'source', sink.flush_interval_millis = '10'", "unknown options provided in WITH clause: 'sink.flush_interval_millis'")]
    [InlineData("fluvio", "topic = 't', type = 'source'", "the fluvio connector is not supported in this build")]
    [InlineData("fluvio", "topic = 't', type = 'source', source.offset = 'first'", "expected one of 'earliest', 'latest'")]
    [InlineData("fluvio", "topic = 't', type = 'sink', endpont = 'x'", "Did you mean 'endpoint'?")]
    public void Bad_options_are_refused_when_planning(string connector, string options, string message)
    {
        using var dir = new TempDirectory();
        var outcome = RunFailing($"CREATE TABLE k (value TEXT) WITH (connector = '{connector}', format = 'raw_string', {options});\nSELECT value FROM k;", dir);
        Assert.Contains(message, outcome.Stderr);
    }
}
