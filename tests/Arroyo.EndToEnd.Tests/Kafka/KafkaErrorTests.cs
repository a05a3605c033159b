using System.Net;
using System.Net.Sockets;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Kafka;

/// <summary>A broker that cannot be reached or used, or a message the producer refuses, gives one clear error naming it and the topic, within 30 s, without a stack trace.</summary>
public sealed class KafkaErrorTests(KafkaMockBrokerFixture broker) : IClassFixture<KafkaMockBrokerFixture>
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Giving up in time is bounded by the process timeout, not timed (timings break on a loaded machine).
    private static RunOutcome RunFailing(string query, TempDirectory dir)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        return ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], timeout: TimeSpan.FromSeconds(90));
    }

    [Theory]
    [InlineData("source")]
    [InlineData("sink")]
    public void An_unreachable_broker_is_named_with_the_topic(string role)
    {
        using var dir = new TempDirectory();
        var address = $"127.0.0.1:{ClosedPort()}";
        var table = $"CREATE TABLE k (value TEXT) WITH (connector = 'kafka', bootstrap_servers = '{address}', topic = 'nowhere', type = '{role}', format = 'raw_string');";
        var query = role == "source"
            ? table + "SELECT value FROM k;"
            : table + "CREATE TABLE i WITH (connector = 'impulse', event_rate = '10', message_count = '5'); INSERT INTO k SELECT CAST(counter AS TEXT) AS value FROM i;";
        var outcome = RunFailing(query, dir);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"cannot reach the Kafka cluster at {address} for topic 'nowhere'", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Theory]
    [InlineData("source")]
    [InlineData("sink")]
    public void Sasl_against_a_broker_without_it_fails_clearly_without_the_password(string role)
    {
        using var dir = new TempDirectory();
        var table = $"""
            CREATE TABLE k (value TEXT) WITH (connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = 'creds', type = '{role}',
              format = 'raw_string', auth.type = 'sasl', auth.mechanism = 'SCRAM-SHA-256', auth.protocol = 'SASL_PLAINTEXT',
              auth.username = 'user', auth.password = 'hunter2-secret');
            """;
        var query = role == "source"
            ? table + "SELECT value FROM k;"
            : table + "CREATE TABLE i WITH (connector = 'impulse', event_rate = '10', message_count = '5'); INSERT INTO k SELECT CAST(counter AS TEXT) AS value FROM i;";
        var outcome = RunFailing(query, dir);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"Kafka cluster at {broker.BootstrapServers} for topic 'creds'", outcome.Stderr);
        Assert.DoesNotContain("hunter2-secret", outcome.Stderr + outcome.Stdout);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void A_message_the_producer_refuses_fails_the_run_naming_the_topic_and_the_reason()
    {
        using var dir = new TempDirectory();
        var topic = "large-" + Guid.NewGuid().ToString("N")[..8];
        var query = $"""
            CREATE TABLE k (value TEXT) WITH (connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', type = 'sink',
              format = 'raw_string', client_configs = 'message.max.bytes=1000');
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '10', message_count = '1');
            INSERT INTO k SELECT repeat('x', 5000) AS value FROM i;
            """;
        var outcome = RunFailing(query, dir);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"writing to {topic} at {broker.BootstrapServers} (table 'k')", outcome.Stderr);
        Assert.Contains("too large", outcome.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
