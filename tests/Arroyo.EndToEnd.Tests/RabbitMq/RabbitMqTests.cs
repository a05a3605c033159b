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
            // Stderr is read asynchronously: the output file can be complete before the log line is in.
            Assert.True(second.WaitForLog("reading RabbitMQ stream " + stream + " from offset", TimeSpan.FromSeconds(30)), second.Stderr);
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
    public void One_source_table_read_by_two_statements()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "t-" + Guid.NewGuid().ToString("N")[..8];
        rabbit.CreateStreamAsync(stream).GetAwaiter().GetResult();
        rabbit.PublishAsync(stream, Numbers(0, 40)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream, ", source.offset = 'first'") + $"""
            CREATE TABLE evens WITH (connector = 'single_file', path = '{dir.File("evens.json")}', format = 'json', type = 'sink');
            {FileSink(dir.File("out.json"))}
            INSERT INTO evens SELECT value FROM input WHERE CAST(value AS BIGINT) % 2 = 0;
            INSERT INTO out SELECT value FROM input WHERE CAST(value AS BIGINT) % 2 = 1;
            """);
        using (var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 20, 1, s_env))
        {
            WaitForLines(running, dir.File("evens.json"), 20);
            Stop(running);
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (2 * i).ToString()), Values(dir.File("evens.json")));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (2 * i + 1).ToString()), Values(dir.File("out.json")));
    }

    [Fact]
    public void Keeps_reading_after_the_broker_is_killed_and_restarted_without_loss_or_duplicates()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "o-" + Guid.NewGuid().ToString("N")[..8];
        rabbit.CreateStreamAsync(stream).GetAwaiter().GetResult();
        rabbit.PublishAsync(stream, Numbers(0, 50)).GetAwaiter().GetResult();
        File.WriteAllText(dir.File("q.sql"), Source(stream, ", source.offset = 'first'") + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");
        using (var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 50, 1, s_env))
        {
            WaitForMoreCheckpoints(running);
            rabbit.Kill();
            rabbit.RestartAsync().GetAwaiter().GetResult();
            // Same node, same data dir: the stream and its 50 messages are still there.
            rabbit.PublishAsync(stream, Numbers(50, 50)).GetAwaiter().GetResult();
            WaitForLines(running, dir.File("out.json"), 100, TimeSpan.FromSeconds(180));
            Stop(running);
        }
        Assert.Equal(Numbers(0, 100), Values(dir.File("out.json")));
    }

    private string TlsSource(string stream, string tls) => $"""
        CREATE TABLE input (value TEXT) WITH (connector = 'rabbitmq', host = '127.0.0.1', port = '{rabbit.StreamTlsPort}',
          stream = '{stream}', type = 'source', format = 'raw_string', source.offset = 'first', tls_config.enabled = 'true', {tls});
        """;

    [Theory]
    [InlineData("root_certificates_path")]
    [InlineData("trust_certificates")]
    public void Reads_over_tls_with_the_ca_or_trusting_the_certificate(string how)
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var stream = "tls-" + Guid.NewGuid().ToString("N")[..8];
        rabbit.CreateStreamAsync(stream).GetAwaiter().GetResult();
        rabbit.PublishAsync(stream, Numbers(0, 30)).GetAwaiter().GetResult();
        var tls = how == "trust_certificates"
            ? "tls_config.trust_certificates = 'true'"
            : $"tls_config.root_certificates_path = '{rabbit.Certificates.CaFile}'";
        File.WriteAllText(dir.File("q.sql"), TlsSource(stream, tls) + FileSink(dir.File("out.json")) + "INSERT INTO out SELECT value FROM input;");
        using (var running = StartUntil(dir.File("q.sql"), dir.File("state"), dir.File("out.json"), 30, 1, s_env))
        {
            Stop(running);
        }
        Assert.Equal(Numbers(0, 30), Values(dir.File("out.json")));
    }

    [Fact]
    public void A_certificate_the_configured_root_did_not_sign_is_refused_naming_the_broker()
    {
        rabbit.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = RunFailing(TlsSource("any", $"tls_config.root_certificates_path = '{rabbit.Certificates.OtherCaFile}'") + "SELECT value FROM input;", dir);
        Assert.True(outcome.Stderr.Contains($"the TLS certificate of RabbitMQ at 127.0.0.1:{rabbit.StreamTlsPort} is not trusted", StringComparison.Ordinal), outcome.Stderr);
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
