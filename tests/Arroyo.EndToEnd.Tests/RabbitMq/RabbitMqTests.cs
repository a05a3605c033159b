using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;
using static Arroyo.EndToEnd.Tests.Support.MessagePipeline;

namespace Arroyo.EndToEnd.Tests.RabbitMq;

/// <summary>
/// The rabbitmq streams source through the real CLI against a private rabbitmq-server node:
/// offsets restored exactly after kill -9 at another parallelism, source.offset, and clear
/// errors for an unreachable broker, refused credentials, a missing stream and bad options.
/// </summary>
public sealed class RabbitMqTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "300ms" };

    private static IEnumerable<string> Numbers(int from, int count) => Enumerable.Range(from, count).Select(i => i.ToString());

    private string Source(string stream, string more = "") => $"""
        CREATE TABLE input (value TEXT) WITH (connector = 'rabbitmq', host = '127.0.0.1', port = '{rabbit.StreamPort}',
          stream = '{stream}', type = 'source', format = 'raw_string'{more});
        """;

    [Fact]
    public void Resumes_after_kill_9_at_another_parallelism_without_loss_or_duplicates()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "s-" + Guid.NewGuid().ToString("N")[..8];
        rabbit.CreateStreamAsync(stream).GetAwaiter().GetResult();
        rabbit.PublishAsync(stream, Numbers(0, 100)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream, ", source.offset = 'first'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");

        using (var first = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 100, 2, s_env))
        {
            WaitForMoreCheckpoints(first);
            Kill(first);
        }
        rabbit.PublishAsync(stream, Numbers(100, 100)).GetAwaiter().GetResult();
        using (var second = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 200, 3, s_env))
        {
            Assert.Contains("reading RabbitMQ stream " + stream + " from offset", second.Stderr);
            Stop(second);
        }
        Assert.Equal(Numbers(0, 200), Values(dir.File("out.json")));
    }

    [Fact]
    public void Source_offset_next_reads_only_what_arrives_after_the_start()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "n-" + Guid.NewGuid().ToString("N")[..8];
        rabbit.CreateStreamAsync(stream).GetAwaiter().GetResult();
        rabbit.PublishAsync(stream, ["old-1", "old-2"]).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream, ", source.offset = 'next'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(running.WaitForLog("reading RabbitMQ stream", TimeSpan.FromSeconds(60)), running.Stderr);
        rabbit.PublishAsync(stream, ["new-1", "new-2", "new-3"]).GetAwaiter().GetResult();
        WaitForLines(running, dir.File("out.json"), 3);
        Stop(running);
        Assert.Equal(["new-1", "new-2", "new-3"], Values(dir.File("out.json")));
    }

    [Fact]
    public void An_unreachable_broker_is_named_within_30_seconds()
    {
        using var dir = new TempDirectory();
        var port = ClosedPort();
        var outcome = RunFailing($"""
            CREATE TABLE input (value TEXT) WITH (connector = 'rabbitmq', host = '127.0.0.1', port = '{port}', stream = 's', type = 'source', format = 'raw_string');
            SELECT value FROM input;
            """, dir);
        Assert.Contains($"cannot connect to RabbitMQ at 127.0.0.1:{port}", outcome.Stderr);
    }

    [Fact]
    public void Refused_credentials_fail_at_once_without_showing_the_password()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing(Source("any", ", username = 'guest', password = 'wrong-secret-123'") + "SELECT value FROM input;", dir);
        Assert.Contains($"cannot connect to RabbitMQ at 127.0.0.1:{rabbit.StreamPort}", outcome.Stderr);
        Assert.DoesNotContain("wrong-secret-123", outcome.Stderr + outcome.Stdout);
    }

    [Fact]
    public void A_missing_stream_is_named()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing(Source("no-such-stream") + "SELECT value FROM input;", dir);
        Assert.Contains("stream 'no-such-stream' does not exist on RabbitMQ", outcome.Stderr);
    }

    [Theory]
    [InlineData("stream = 's', type = 'sink'", "the rabbitmq connector cannot be used as a sink")]
    [InlineData("stream = 's'", "type must be 'source'")]
    [InlineData("type = 'source'", "requires the option 'stream'")]
    [InlineData("stream = 's', type = 'source', source.offset = 'earliest'", "expected one of 'first', 'last', 'next'")]
    [InlineData("stream = 's', type = 'source', port = '70000'", "invalid 'port' for rabbitmq")]
    [InlineData("stream = 's', type = 'source', tls_config.enable = 'true'", "Did you mean 'tls_config.enabled'?")]
    [InlineData("stream = 's', type = 'source', load_balancer_mode = 'yes'", "expected 'true' or 'false'")]
    [InlineData("stream = 's', type = 'source', tls_config.client_keys_path = '/k.pem'", "must be given together")]
    public void Bad_options_are_refused_when_planning(string options, string message)
    {
        using var dir = new TempDirectory();
        var outcome = RunFailing($"CREATE TABLE input (value TEXT) WITH (connector = 'rabbitmq', format = 'raw_string', {options});\nSELECT value FROM input;", dir);
        Assert.Contains(message, outcome.Stderr);
    }
}
