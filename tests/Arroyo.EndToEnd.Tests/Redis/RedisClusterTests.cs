using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Redis;

/// <summary>
/// The redis connector against a Redis Cluster of three masters through the real CLI: the sink
/// with <c>cluster.addresses</c> writes keys whose hash slots fall on every node, and a LEFT
/// lookup join over the cluster reads them back (keys of one batch on different nodes), with
/// NULLs for the keys that are not there.
/// </summary>
public sealed class RedisClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "500ms" };

    private static RunOutcome Run(TempDirectory dir, string name, string query)
    {
        File.WriteAllText(dir.File(name + ".sql"), query);
        return ArroyoProcess.Run(["run", "-s", dir.File(name + "-state"), dir.File(name + ".sql")], environment: s_env, timeout: TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void Sink_writes_across_every_node_and_a_lookup_join_reads_the_keys_back()
    {
        cluster.RequireRunning();
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var outcome = Run(dir, "write", $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000', message_count = '200');
            CREATE TABLE strings (k TEXT NOT NULL, counter BIGINT) WITH (connector = 'redis', cluster.addresses = '{cluster.Addresses}',
              type = 'sink', format = 'json', target = 'string', target.key_prefix = 'c-{id}-', target.key_column = 'k');
            CREATE TABLE lists (k TEXT NOT NULL, value TEXT) WITH (connector = 'redis', cluster.addresses = '{cluster.Addresses}',
              type = 'sink', format = 'raw_string', target = 'list', target.key_prefix = 'cl-{id}-', target.key_column = 'k', target.operation = 'append');
            INSERT INTO strings SELECT CAST(counter AS TEXT) AS k, CAST(counter AS BIGINT) AS counter FROM impulse;
            INSERT INTO lists SELECT CAST(counter % 10 AS TEXT) AS k, CAST(counter AS TEXT) AS value FROM impulse;
            """);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        var db = cluster.Database;
        for (var i = 0; i < 200; i++) Assert.Equal($"{{\"k\":\"{i}\",\"counter\":{i}}}", (string?)db.StringGet($"c-{id}-{i}"));
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(j => (j * 10 + k).ToString()), db.ListRange($"cl-{id}-{k}").Select(v => (string)v!));
        }
        // The keys really are spread: each of the three masters holds some of them.
        Assert.Equal(cluster.Ports.Order(), Enumerable.Range(0, 200).Select(i => cluster.PortOf($"c-{id}-{i}")).Distinct().Order());

        // Read back through a lookup join over the cluster: 200 keys that exist and 20 that do not.
        File.WriteAllLines(dir.File("keys.json"), Enumerable.Range(0, 220).Select(i => $"{{\"wanted\":\"c-{id}-{i}\"}}"));
        outcome = Run(dir, "join", $"""
            CREATE TABLE keys (wanted TEXT) WITH (connector = 'single_file', path = '{dir.File("keys.json")}', format = 'json', type = 'source');
            CREATE TEMPORARY TABLE stored (k TEXT METADATA FROM 'key' PRIMARY KEY, counter BIGINT) WITH (connector = 'redis',
              cluster.addresses = '{cluster.Addresses}', format = 'json');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT keys.wanted, stored.counter FROM keys LEFT JOIN stored ON keys.wanted = stored.k;
            """);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var rows = File.ReadAllLines(dir.File("out.json")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(220, rows.Count);
        foreach (var row in rows)
        {
            var n = int.Parse(row.GetProperty("wanted").GetString()!.Split('-')[^1]);
            var found = row.TryGetProperty("counter", out var counter) && counter.ValueKind != JsonValueKind.Null ? counter.GetInt64() : (long?)null;
            Assert.Equal(n < 200 ? n : null, found);
        }
    }
}
