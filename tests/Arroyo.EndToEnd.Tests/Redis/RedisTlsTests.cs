using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Redis;

/// <summary>
/// The redis connector over TLS (<c>rediss://</c>) against redis-server's TLS port with a
/// throwaway CA. The reference has no CA option for redis: its client trusts the system's roots,
/// so the CA is given the way the system allows, SSL_CERT_FILE (which .NET on Linux honours as
/// OpenSSL does). Without it the server's certificate is refused with the server named.
/// </summary>
public sealed class RedisTlsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private string Query(string id) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '20');
        CREATE TABLE strings (k TEXT NOT NULL, counter BIGINT) WITH (connector = 'redis', address = 'rediss://127.0.0.1:{redis.TlsPort}',
          password = '{RedisServerFixture.Password}', type = 'sink', format = 'json', target = 'string', target.key_prefix = 'tls-{id}-', target.key_column = 'k');
        INSERT INTO strings SELECT CAST(counter AS TEXT) AS k, CAST(counter AS BIGINT) AS counter FROM impulse;
        """;

    [Fact]
    public void Sink_and_lookup_round_trip_over_tls_with_the_ca_among_the_trusted_roots()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string> { ["SSL_CERT_FILE"] = redis.Certificates.CaFile };
        File.WriteAllText(dir.File("q.sql"), Query(id));
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: environment, timeout: TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        for (var i = 0; i < 20; i++) Assert.Equal($"{{\"k\":\"{i}\",\"counter\":{i}}}", (string?)redis.Database.StringGet($"tls-{id}-{i}"));

        // Read back through a lookup join over TLS: every key is found.
        File.WriteAllLines(dir.File("keys.json"), Enumerable.Range(0, 20).Select(i => $"{{\"wanted\":\"tls-{id}-{i}\"}}"));
        File.WriteAllText(dir.File("join.sql"), $"""
            CREATE TABLE keys (wanted TEXT) WITH (connector = 'single_file', path = '{dir.File("keys.json")}', format = 'json', type = 'source');
            CREATE TEMPORARY TABLE stored (k TEXT METADATA FROM 'key' PRIMARY KEY, counter BIGINT) WITH (connector = 'redis',
              address = 'rediss://127.0.0.1:{redis.TlsPort}', password = '{RedisServerFixture.Password}', format = 'json');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT keys.wanted, stored.counter FROM keys LEFT JOIN stored ON keys.wanted = stored.k;
            """);
        outcome = ArroyoProcess.Run(["run", "-s", dir.File("join-state"), dir.File("join.sql")], environment: environment, timeout: TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var counters = File.ReadAllLines(dir.File("out.json")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("counter").GetInt64());
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), counters.Order());
    }

    [Fact]
    public void A_certificate_no_trusted_root_signed_is_refused_naming_the_server()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        // The unrelated CA as the only trusted root: the server's certificate does not chain to it.
        var environment = new Dictionary<string, string> { ["SSL_CERT_FILE"] = redis.Certificates.OtherCaFile, ["SSL_CERT_DIR"] = dir.Path };
        File.WriteAllText(dir.File("q.sql"), Query("x"));
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: environment, timeout: TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"the TLS certificate of Redis at 127.0.0.1:{redis.TlsPort} is not trusted", outcome.Stderr);
        Assert.DoesNotContain(RedisServerFixture.Password, outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
