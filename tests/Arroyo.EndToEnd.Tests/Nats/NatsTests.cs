using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;
using static Arroyo.EndToEnd.Tests.Support.MessagePipeline;

namespace Arroyo.EndToEnd.Tests.Nats;

/// <summary>
/// The nats connector through the real CLI against nats-server on loopback: JetStream read
/// exactly once across a kill -9 and a restore at another parallelism, core subjects in and
/// out, and clear errors for an unreachable server, a refused password and bad options.
/// </summary>
public sealed class NatsTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "300ms" };

    private string Auth => $"auth.type = 'credentials', auth.username = '{NatsServerFixture.User}', auth.password = '{NatsServerFixture.Password}'";

    private static IEnumerable<string> Numbers(int from, int count) => Enumerable.Range(from, count).Select(i => i.ToString());

    [Fact]
    public void JetStream_source_resumes_after_kill_9_at_another_parallelism_without_loss_or_duplicates()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        nats.CreateStreamAsync("s" + id, $"in.{id}").GetAwaiter().GetResult();
        nats.PublishToStreamAsync($"in.{id}", Numbers(0, 100)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth},
              type = 'source', stream = 's{id}', format = 'raw_string');
            {FileSink(dir.File("out.json"))}
            INSERT INTO out SELECT value FROM input;
            """);

        using (var first = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 100, 2, s_env))
        {
            WaitForMoreCheckpoints(first);
            Kill(first);
        }
        nats.PublishToStreamAsync($"in.{id}", Numbers(100, 100)).GetAwaiter().GetResult();
        using (var second = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 200, 3, s_env))
        {
            // Stderr is read asynchronously: the output file can be complete before the log line is in.
            Assert.True(second.WaitForLog("reading JetStream stream", TimeSpan.FromSeconds(30)), second.Stderr);
            Stop(second);
        }

        // Written once each, in the stream's order.
        Assert.Equal(Numbers(0, 200), Values(dir.File("out.json")));
    }

    [Fact]
    public void A_server_that_goes_away_mid_run_is_waited_for_and_nothing_is_lost()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        nats.CreateStreamAsync("o" + id, $"out.{id}").GetAwaiter().GetResult();
        nats.PublishToStreamAsync($"out.{id}", Numbers(0, 50)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth},
              type = 'source', stream = 'o{id}', format = 'raw_string');
            {FileSink(dir.File("out.json"))}
            INSERT INTO out SELECT value FROM input;
            """);
        using var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 50, 1, s_env);
        nats.Kill();
        nats.RestartAsync().GetAwaiter().GetResult();
        nats.PublishToStreamAsync($"out.{id}", Numbers(50, 50)).GetAwaiter().GetResult();
        WaitForLines(running, dir.File("out.json"), 100);
        Stop(running);
        Assert.Equal(Numbers(0, 100), Values(dir.File("out.json")));
    }

    [Fact]
    public void Core_subjects_are_read_and_written()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var c = nats.CollectAsync($"out.{id}").GetAwaiter().GetResult();
        using var disposer = new AsyncDisposer(c);
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth},
              type = 'source', subject = 'in.{id}', format = 'raw_string');
            CREATE TABLE copy (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth},
              type = 'sink', subject = 'out.{id}', format = 'raw_string');
            {FileSink(dir.File("out.json"))}
            INSERT INTO out SELECT value FROM input;
            INSERT INTO copy SELECT concat('copy ', value) AS value FROM input;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(running.WaitForLog("subscribed to NATS subject", TimeSpan.FromSeconds(60)), running.Stderr);
        nats.PublishAsync($"in.{id}", Numbers(0, 20)).GetAwaiter().GetResult();
        WaitForLines(running, dir.File("out.json"), 20);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (c.Messages.Count < 20 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Stop(running);

        Assert.Equal(Numbers(0, 20), Values(dir.File("out.json")));
        Assert.Equal(Numbers(0, 20).Select(n => "copy " + n), c.Messages);
    }

    [Fact]
    public void The_sink_writes_json_rows_of_a_bounded_pipeline()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var collector = nats.CollectAsync($"rows.{id}").GetAwaiter().GetResult();
        using var disposer = new AsyncDisposer(collector);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '50');
            CREATE TABLE rows WITH (connector = 'nats', servers = '{nats.Servers}', {Auth}, type = 'sink', subject = 'rows.{id}', format = 'json');
            INSERT INTO rows SELECT counter FROM i;
            """, environment: s_env);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (collector.Messages.Count < 50 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{{\"counter\":{i}}}"), collector.Messages);
    }

    [Fact]
    public void One_sink_table_written_by_two_statements()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var collector = nats.CollectAsync($"two.{id}").GetAwaiter().GetResult();
        using var disposer = new AsyncDisposer(collector);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '40');
            CREATE TABLE rows (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth}, type = 'sink', subject = 'two.{id}', format = 'raw_string');
            INSERT INTO rows SELECT concat('even ', CAST(counter AS TEXT)) AS value FROM i WHERE counter % 2 = 0;
            INSERT INTO rows SELECT concat('odd ', CAST(counter AS TEXT)) AS value FROM i WHERE counter % 2 = 1;
            """, environment: s_env);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (collector.Messages.Count < 40 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{(i % 2 == 0 ? "even" : "odd")} {i}").Order(), collector.Messages.Order());
    }

    [Theory]
    [InlineData("source")]
    [InlineData("sink")]
    public void An_unreachable_server_is_named_within_30_seconds(string role)
    {
        using var dir = new TempDirectory();
        var address = $"127.0.0.1:{ClosedPort()}";
        var table = $"CREATE TABLE n (value TEXT) WITH (connector = 'nats', servers = '{address}', type = '{role}', subject = 'x', format = 'raw_string');";
        var query = role == "source"
            ? table + "SELECT value FROM n;"
            : table + "CREATE TABLE i WITH (connector = 'impulse', event_rate = '10', message_count = '5'); INSERT INTO n SELECT CAST(counter AS TEXT) AS value FROM i;";
        var outcome = RunFailing(query, dir);
        Assert.Contains($"cannot connect to NATS at {address}", outcome.Stderr);
    }

    [Fact]
    public void A_refused_password_fails_at_once_without_showing_it()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing($"""
            CREATE TABLE n (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', auth.type = 'credentials',
              auth.username = 'arroyo', auth.password = 'wrong-secret-123', type = 'source', subject = 'x', format = 'raw_string');
            SELECT value FROM n;
            """, dir);
        Assert.Contains($"cannot connect to NATS at {nats.Servers}", outcome.Stderr);
        Assert.Contains("uthorization", outcome.Stderr);
        Assert.DoesNotContain("wrong-secret-123", outcome.Stderr + outcome.Stdout);
    }

    [Fact]
    public void A_missing_stream_is_named()
    {
        nats.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing($"""
            CREATE TABLE n (value TEXT) WITH (connector = 'nats', servers = '{nats.Servers}', {Auth}, type = 'source', stream = 'nosuchstream', format = 'raw_string');
            SELECT value FROM n;
            """, dir);
        Assert.Contains("JetStream stream 'nosuchstream' does not exist", outcome.Stderr);
    }

    [Theory]
    [InlineData("type = 'source', stream = 's', subject = 'x'", "exactly one of `stream` or `subject`")]
    [InlineData("type = 'source'", "one of `stream` (JetStream) or `subject` (core NATS) must be set")]
    [InlineData("type = 'sink', stream = 's'", "`subject` must be set for the nats sink")]
    [InlineData("subject = 'x'", "type must be one of 'source' or 'sink'")]
    [InlineData("type = 'source', stream = 's', consumer.ack_polcy = 'all'", "Did you mean 'consumer.ack_policy'?")]
    [InlineData("type = 'source', stream = 's', consumer.replay_policy = 'fast'", "expected one of 'original', 'instant'")]
    [InlineData("type = 'source', stream = 's', consumer.ack_wait = '-3'", "expected a non-negative integer")]
    [InlineData("type = 'source', subject = 'x', auth.type = 'token'", "expected one of 'none', 'credentials', 'jwt'")]
    [InlineData("type = 'source', subject = 'x', auth.type = 'jwt', auth.jwt = 'j'", "requires the option 'auth.nkey_seed'")]
    public void Bad_options_are_refused_when_planning(string options, string message)
    {
        using var dir = new TempDirectory();
        var outcome = RunFailing($"CREATE TABLE n (value TEXT) WITH (connector = 'nats', servers = '127.0.0.1:1', format = 'raw_string', {options});\nSELECT value FROM n;", dir);
        Assert.Contains(message, outcome.Stderr);
    }

    /// <summary>Disposes an async collector from a using statement.</summary>
    private sealed class AsyncDisposer(IAsyncDisposable inner) : IDisposable
    {
        public void Dispose() => inner.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
