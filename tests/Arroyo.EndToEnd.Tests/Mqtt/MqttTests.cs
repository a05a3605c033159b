using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Mqtt;

/// <summary>
/// The mqtt connector through the real CLI against mosquitto on loopback: source with the topic
/// metadata field over a wildcard filter, sink with retain, QoS 1 messages acknowledged after the
/// checkpoint (a killed pipeline gets again what it had not checkpointed), broker restarts while
/// running, unreachable brokers, refused credentials and bad options.
/// </summary>
public sealed class MqttTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "500ms" };

    private string Connection(string password = MosquittoFixture.Password, int? port = null) =>
        $"url = 'tcp://127.0.0.1:{port ?? broker.Port}', username = '{MosquittoFixture.User}', password = '{password}'";

    private static string Id() => Guid.NewGuid().ToString("N")[..8];

    private string SourceToFile(string filter, string output, string qos = "AtLeastOnce") => $"""
        CREATE TABLE input (id BIGINT, name TEXT, t TEXT METADATA FROM 'topic') WITH (
          connector = 'mqtt', {Connection()}, topic = '{filter}', type = 'source', format = 'json', qos = '{qos}');
        CREATE TABLE out WITH (connector = 'single_file', path = '{output}', format = 'json', type = 'sink');
        INSERT INTO out SELECT id, name, t FROM input;
        """;

    private static List<JsonElement> Rows(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList() : [];

    private static List<long> Ids(string path) => Rows(path).Select(r => r.GetProperty("id").GetInt64()).ToList();

    private static void WaitFor(Func<bool> condition, ArroyoProcess running, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} after {seconds} s\n{running.Stderr}");
            Thread.Sleep(50);
        }
    }

    private static string Message(long id) => $"{{\"id\":{id},\"name\":\"n{id}\"}}";

    [Fact]
    public void Source_reads_a_wildcard_filter_with_topics_and_gets_what_was_published_while_stopped()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        File.WriteAllText(dir.File("q.sql"), SourceToFile($"plant/{id}/#", dir.File("out.json")));
        using (var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            WaitFor(() => running.Stderr.Contains("subscribed to", StringComparison.Ordinal), running, "subscription");
            broker.Publish($"plant/{id}/a", Enumerable.Range(0, 50).Select(i => Message(i)));
            broker.Publish($"plant/{id}/b", Enumerable.Range(50, 50).Select(i => Message(i)));
            WaitFor(() => Ids(dir.File("out.json")).Count >= 100, running, "100 rows");
            running.Signal(2);
            Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        }
        // The session persists: messages published while the pipeline is stopped are read by the next run.
        broker.Publish($"plant/{id}/a", Enumerable.Range(100, 50).Select(i => Message(i)));
        using (var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            WaitFor(() => running.Stderr.Contains("subscribed to", StringComparison.Ordinal), running, "subscription");
            WaitFor(() => Ids(dir.File("out.json")).Count >= 150, running, "150 rows");
            running.Signal(2);
            Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        }
        var rows = Rows(dir.File("out.json"));
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), rows.Select(r => r.GetProperty("id").GetInt64()).Order());
        Assert.All(rows, r => Assert.Equal($"plant/{id}/{(r.GetProperty("id").GetInt64() is >= 50 and < 100 ? "b" : "a")}", r.GetProperty("t").GetString()));
    }

    [Fact]
    public void A_source_killed_with_sigkill_gets_again_what_it_had_not_checkpointed()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        var topic = $"kill/{id}";
        File.WriteAllText(dir.File("q.sql"), SourceToFile(topic, dir.File("out.json")));
        var published = 0;
        for (var round = 0; round < 3; round++)
        {
            using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
            WaitFor(() => running.Stderr.Contains("subscribed to", StringComparison.Ordinal), running, "subscription");
            // The source subscribes while opening, before the sink (the same subtask) has cut the
            // file back to the checkpoint: count rows only once the subtask says it restored.
            if (round > 0) WaitFor(() => running.Stderr.Contains("restored state of checkpoint", StringComparison.Ordinal), running, "restore");
            broker.Publish(topic, Enumerable.Range(published, 100).Select(i => Message(i)));
            published += 100;
            var target = published - 50;
            WaitFor(() => Ids(dir.File("out.json")).Count >= target, running, $"{target} rows");
            // At least one checkpoint before the kill, so every later run restores one.
            WaitFor(() => running.Stderr.Contains(" complete in ", StringComparison.Ordinal), running, "a checkpoint");
            running.Signal(9);
            running.WaitForExit(TimeSpan.FromSeconds(30));
        }
        using (var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            // Only once restored: the restore first cuts the output back to the last checkpoint, and
            // the file still holds the killed run's rows until then.
            WaitFor(() => running.Stderr.Contains("restored state of checkpoint", StringComparison.Ordinal), running, "restore");
            WaitFor(() => Ids(dir.File("out.json")).Distinct().Count() >= published, running, $"all {published} ids");
            running.Signal(2);
            Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        }
        var ids = Ids(dir.File("out.json"));
        Assert.Equal(Enumerable.Range(0, published).Select(i => (long)i), ids.Distinct().Order());
    }

    [Fact]
    public void Source_and_sink_carry_on_across_a_broker_restart()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        using var subscriber = broker.Subscribe($"copy/{id}");
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (id BIGINT, name TEXT) WITH (connector = 'mqtt', {Connection()}, topic = 'in/{id}', type = 'source', format = 'json', qos = 'AtLeastOnce');
            CREATE TABLE copy (id BIGINT, name TEXT) WITH (connector = 'mqtt', {Connection()}, topic = 'copy/{id}', type = 'sink', format = 'json', qos = 'AtLeastOnce');
            INSERT INTO copy SELECT id, name FROM input;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        WaitFor(() => running.Stderr.Contains("subscribed to", StringComparison.Ordinal), running, "subscription");
        broker.Publish($"in/{id}", Enumerable.Range(0, 100).Select(i => Message(i)));
        WaitFor(() => subscriber.Messages.Count >= 100, running, "100 copies");
        broker.Stop();
        Thread.Sleep(1500);
        broker.RestartAsync().GetAwaiter().GetResult();
        subscriber.Reconnect();
        WaitFor(() => running.Stderr.Contains("reconnected to the MQTT broker", StringComparison.Ordinal), running, "reconnection");
        broker.Publish($"in/{id}", Enumerable.Range(100, 100).Select(i => Message(i)));
        WaitFor(() => subscriber.Messages.Select(m => m.Payload).Distinct().Count() >= 200, running, "200 distinct copies");
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var ids = subscriber.Messages.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("id").GetInt64()).Distinct().Order();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), ids);
    }

    [Fact]
    public void One_source_table_read_by_two_statements_feeds_one_sink_table_written_by_two()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        using var subscriber = broker.Subscribe($"both/{id}");
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (id BIGINT, name TEXT) WITH (connector = 'mqtt', {Connection()}, topic = 'split/{id}', type = 'source', format = 'json', qos = 'AtLeastOnce');
            CREATE TABLE both (id BIGINT, kind TEXT) WITH (connector = 'mqtt', {Connection()}, topic = 'both/{id}', type = 'sink', format = 'json', qos = 'AtLeastOnce');
            INSERT INTO both SELECT id, 'even' AS kind FROM input WHERE id % 2 = 0;
            INSERT INTO both SELECT id, 'odd' AS kind FROM input WHERE id % 2 = 1;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        WaitFor(() => running.Stderr.Contains("subscribed to", StringComparison.Ordinal), running, "subscription");
        broker.Publish($"split/{id}", Enumerable.Range(0, 60).Select(i => Message(i)));
        WaitFor(() => subscriber.Messages.Count >= 60, running, "60 messages");
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var rows = subscriber.Messages.Select(m => JsonDocument.Parse(m.Payload).RootElement)
            .Select(r => (Id: r.GetProperty("id").GetInt64(), Kind: r.GetProperty("kind").GetString())).ToList();
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), rows.Select(r => r.Id).Order());
        Assert.All(rows, r => Assert.Equal(r.Id % 2 == 0 ? "even" : "odd", r.Kind));
    }

    [Fact]
    public void Sink_publishes_every_row_with_retain()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        using var subscriber = broker.Subscribe($"out/{id}");
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '50');
            CREATE TABLE out (value TEXT) WITH (connector = 'mqtt', {Connection()}, topic = 'out/{id}', type = 'sink', format = 'raw_string',
              qos = 'ExactlyOnce', sink.retain = 'true');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS value FROM impulse;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (subscriber.Messages.Count < 50 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        // QoS 2 flows in flight at once may complete out of order (MQTTnet), so compare as sets.
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString()).Order(), subscriber.Messages.Select(m => m.Payload).Order());
        // Retained: a new subscriber gets one of them, flagged as retained.
        using var late = broker.Subscribe($"out/{id}");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (late.Messages.Count < 1 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        var retained = Assert.Single(late.Messages);
        Assert.True(retained.Retained);
        Assert.InRange(int.Parse(retained.Payload), 0, 49);
    }

    [Fact]
    public void An_unreachable_broker_fails_within_30_seconds_naming_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = NativeTestServer.FreePort();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (value TEXT) WITH (connector = 'mqtt', {Connection(port: port)}, topic = 'x', type = 'source', format = 'raw_string');
            SELECT value FROM input;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"cannot connect to the MQTT broker at 127.0.0.1:{port}", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain(MosquittoFixture.Password, outcome.Stderr);
    }

    [Fact]
    public void Refused_credentials_are_reported_without_the_password()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE out (value TEXT) WITH (connector = 'mqtt', {Connection("not-the-password")}, topic = 'x', type = 'sink', format = 'raw_string');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS value FROM impulse;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"the MQTT broker at 127.0.0.1:{broker.Port} refused the credentials of table 'out'", outcome.Stderr);
        Assert.DoesNotContain("not-the-password", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Theory]
    [InlineData("url = 'http://127.0.0.1:1', topic = 'x', type = 'source'", "must be prefixed with one of `tcp://`, `mqtt://`, `ssl://`, `mqtts://`")]
    [InlineData("url = 'tcp://127.0.0.1:1', topic = 'x', type = 'source', qos = 'AtLeastOne'", "Did you mean 'AtLeastOnce'?")]
    [InlineData("url = 'tcp://127.0.0.1:1', topic = 'x', type = 'sink', sink.retain = 'yes'", "'sink.retain' must be either 'true' or 'false'")]
    [InlineData("url = 'tcp://127.0.0.1:1', topic = 'x', type = 'source', sink.retain = 'true'", "'sink.retain' is an option of sink tables")]
    [InlineData("url = 'tcp://127.0.0.1:1', topic = 'x', type = 'source', retain = 'true'", "unknown options provided in WITH clause: 'retain'")]
    [InlineData("url = 'tcp://127.0.0.1:1', type = 'source'", "requires the option 'topic'")]
    [InlineData("topic = 'x', type = 'source'", "requires the option 'url'")]
    [InlineData("url = 'tcp://127.0.0.1:1', topic = 'x', type = 'source', max_packet_size = '-1'", "max_packet_size must be <=")]
    public void Bad_options_are_refused_before_anything_runs(string options, string message)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE t (value TEXT) WITH (connector = 'mqtt', format = 'raw_string', {options});
            INSERT INTO t SELECT CAST(counter AS TEXT) AS value FROM impulse;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains(message, outcome.Stderr);
        Assert.Contains("error at line 2", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
