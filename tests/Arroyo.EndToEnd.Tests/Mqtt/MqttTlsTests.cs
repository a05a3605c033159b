using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Mqtt;

/// <summary>
/// The mqtt connector over TLS (<c>mqtts://</c>, <c>ssl://</c>) against mosquitto's TLS listener
/// with a throwaway CA: <c>tls.ca</c> as a file and as PEM text round-trips through a source and a
/// sink; a client certificate (<c>tls.cert</c>, <c>tls.key</c>) where the broker requires one;
/// a CA that did not sign the broker's certificate fails at once with the broker named.
/// </summary>
public sealed class MqttTlsTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "500ms" };

    private string Connection(string scheme, string ca) =>
        $"url = '{scheme}://127.0.0.1:{broker.TlsPort}', username = '{MosquittoFixture.User}', password = '{MosquittoFixture.Password}', tls.ca = '{ca}'";

    private static string Message(long id) => $"{{\"id\":{id},\"name\":\"n{id}\"}}";

    [Theory]
    [InlineData("mqtts", false)]
    [InlineData("ssl", true)]
    public void Source_and_sink_round_trip_over_tls_with_the_ca_configured(string scheme, bool caAsText)
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var ca = caAsText ? File.ReadAllText(broker.Certificates.CaFile) : broker.Certificates.CaFile;
        using var subscriber = broker.Subscribe($"tls-copy/{id}");
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE input (id BIGINT, name TEXT) WITH (connector = 'mqtt', {Connection(scheme, ca)}, topic = 'tls-in/{id}', type = 'source', format = 'json', qos = 'AtLeastOnce');
            CREATE TABLE copy (id BIGINT, name TEXT) WITH (connector = 'mqtt', {Connection(scheme, ca)}, topic = 'tls-copy/{id}', type = 'sink', format = 'json', qos = 'AtLeastOnce');
            INSERT INTO copy SELECT id, name FROM input;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        Assert.True(running.WaitForLog("subscribed to", TimeSpan.FromSeconds(60)), running.Stderr);
        // Published on the plain listener, read by the pipeline over TLS, copied over TLS, received on the plain listener.
        broker.Publish($"tls-in/{id}", Enumerable.Range(0, 20).Select(i => Message(i)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (subscriber.Messages.Count < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{subscriber.Messages.Count} of 20 copies\n{running.Stderr}");
            Thread.Sleep(50);
        }
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var ids = subscriber.Messages.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("id").GetInt64()).Order();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), ids);
    }

    [Fact]
    public void A_client_certificate_from_tls_cert_and_tls_key_is_accepted_where_the_broker_requires_one()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        using var subscriber = broker.Subscribe($"mutual/{id}");
        var certificates = broker.Certificates;
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '10');
            CREATE TABLE out (value TEXT) WITH (connector = 'mqtt', url = 'mqtts://127.0.0.1:{broker.MutualTlsPort}',
              username = '{MosquittoFixture.User}', password = '{MosquittoFixture.Password}', tls.ca = '{certificates.CaFile}',
              tls.cert = '{certificates.ClientCertFile}', tls.key = '{certificates.ClientKeyFile}',
              topic = 'mutual/{id}', type = 'sink', format = 'raw_string', qos = 'AtLeastOnce');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS value FROM impulse;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(90));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (subscriber.Messages.Count < 10 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()).Order(), subscriber.Messages.Select(m => m.Payload).Order());

        // Without the client certificate the same broker refuses the handshake: the run fails naming it.
        File.WriteAllText(dir.File("q.sql"), File.ReadAllText(dir.File("q.sql"))
            .Replace($"tls.cert = '{certificates.ClientCertFile}', tls.key = '{certificates.ClientKeyFile}',", "", StringComparison.Ordinal));
        outcome = ArroyoProcess.Run(["run", "-s", dir.File("state2"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"127.0.0.1:{broker.MutualTlsPort}", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void A_broker_certificate_the_configured_ca_did_not_sign_is_refused_naming_the_broker()
    {
        broker.RequireRunning();
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE out (value TEXT) WITH (connector = 'mqtt', {Connection("mqtts", broker.Certificates.OtherCaFile)}, topic = 'x', type = 'sink', format = 'raw_string');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS value FROM impulse;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"the TLS certificate of the MQTT broker at 127.0.0.1:{broker.TlsPort} is not trusted", outcome.Stderr);
        Assert.DoesNotContain(MosquittoFixture.Password, outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
