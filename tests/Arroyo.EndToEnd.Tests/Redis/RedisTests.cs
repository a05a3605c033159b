using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;
using DuckDB.NET.Data;
using StackExchange.Redis;

namespace Arroyo.EndToEnd.Tests.Redis;

/// <summary>
/// The redis connector through the real CLI against redis-server on loopback: the three sink
/// targets, a LEFT lookup join checked against DuckDB, unreachable servers, refused credentials,
/// bad options, a server killed mid-run, and the pipeline killed with SIGKILL and restarted.
/// </summary>
public sealed class RedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly Dictionary<string, string> s_env = new() { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "500ms" };

    private string Connection(string? password = RedisServerFixture.Password, int? port = null) =>
        $"address = 'redis://127.0.0.1:{port ?? redis.Port}'" + (password is null ? "" : $", password = '{password}'");

    private static string Id() => Guid.NewGuid().ToString("N")[..8];

    private static RunOutcome Run(TempDirectory dir, string query, string state = "state", TimeSpan? timeout = null)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        return ArroyoProcess.Run(["run", "-s", dir.File(state), dir.File("q.sql")], environment: s_env, timeout: timeout ?? TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void Sink_writes_strings_lists_and_hashes_as_the_reference()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        var query = $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '20');
            CREATE TABLE strings (k TEXT NOT NULL, counter BIGINT) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'json',
              target = 'string', target.key_prefix = 's-{id}-', target.key_column = 'k', target.ttl_secs = '3600');
            CREATE TABLE lists (k TEXT NOT NULL, value TEXT) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'raw_string',
              target = 'list', target.key_prefix = 'l-{id}-', target.key_column = 'k', target.max_length = '3', target.operation = 'append');
            CREATE TABLE hashes (k TEXT NOT NULL, f TEXT NOT NULL, counter BIGINT) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'json',
              target = 'hash', target.key_prefix = 'h-{id}', target.field_column = 'f');
            INSERT INTO strings SELECT CAST(counter AS TEXT) AS k, CAST(counter AS BIGINT) AS counter FROM impulse;
            INSERT INTO lists SELECT CAST(counter % 2 AS TEXT) AS k, CAST(counter AS TEXT) AS value FROM impulse;
            INSERT INTO hashes SELECT 'x' AS k, CAST(counter AS TEXT) AS f, CAST(counter AS BIGINT) AS counter FROM impulse;
            """;
        var outcome = Run(dir, query);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var db = redis.Database;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"{{\"k\":\"{i}\",\"counter\":{i}}}", (string?)db.StringGet($"s-{id}-{i}"));
            Assert.Equal($"{{\"k\":\"x\",\"f\":\"{i}\",\"counter\":{i}}}", (string?)db.HashGet($"h-{id}", i.ToString()));
        }
        Assert.InRange(db.KeyTimeToLive($"s-{id}-0")!.Value.TotalSeconds, 3000, 3600);
        // Trimmed to the newest three of each list, in order.
        Assert.Equal(["14", "16", "18"], db.ListRange($"l-{id}-0").Select(v => (string)v!));
        Assert.Equal(["15", "17", "19"], db.ListRange($"l-{id}-1").Select(v => (string)v!));
    }

    [Fact]
    public void One_sink_table_written_by_two_statements()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        var outcome = Run(dir, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '40');
            CREATE TABLE strings (k TEXT NOT NULL, kind TEXT) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'json',
              target = 'string', target.key_prefix = 'two-{id}-', target.key_column = 'k');
            INSERT INTO strings SELECT CAST(counter AS TEXT) AS k, 'even' AS kind FROM impulse WHERE counter % 2 = 0;
            INSERT INTO strings SELECT CAST(counter AS TEXT) AS k, 'odd' AS kind FROM impulse WHERE counter % 2 = 1;
            """);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal($"{{\"k\":\"{i}\",\"kind\":\"{(i % 2 == 0 ? "even" : "odd")}\"}}", (string?)redis.Database.StringGet($"two-{id}-{i}"));
        }
    }

    [Fact]
    public void Left_lookup_join_returns_what_duckdb_returns()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        // Orders for 40 customers, of which every third has no record and two have NULL fields.
        var customers = new List<string>();
        for (var c = 0; c < 40; c++)
        {
            if (c % 3 == 0) continue;
            var name = c == 4 ? "null" : $"\"name {c} ünï\"";
            var plan = c == 5 ? "null" : c % 2 == 0 ? "\"Premium\"" : "\"Basic\"";
            var json = $"{{\"customer_name\":{name},\"plan\":{plan},\"seats\":{c * 10}}}";
            redis.Database.StringSet($"cust-{id}-{c}", json);
            customers.Add($"{{\"customer_id\":\"{c}\",\"customer_name\":{name},\"plan\":{plan},\"seats\":{c * 10}}}");
        }
        File.WriteAllLines(dir.File("customers.json"), customers);
        var orders = Enumerable.Range(0, 500).Select(i =>
            $"{{\"order_id\":{i},\"customer_id\":{(i % 17 == 0 ? "null" : $"\"{(i * 7) % 43}\"")},\"amount\":{i % 50}}}");
        File.WriteAllLines(dir.File("orders.json"), orders);

        var query = $"""
            CREATE TABLE orders (order_id BIGINT, customer_id TEXT, amount INT)
              WITH (connector = 'single_file', path = '{dir.File("orders.json")}', format = 'json', type = 'source');
            CREATE TEMPORARY TABLE customers (id TEXT METADATA FROM 'key' PRIMARY KEY, customer_name TEXT, plan TEXT, seats INT)
              WITH (connector = 'redis', {Connection()}, format = 'json', 'lookup.cache.max_bytes' = 2000, 'lookup.cache.ttl' = interval '5' second);
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out
            SELECT o.order_id, o.customer_id, o.amount, c.customer_name, c.plan, c.seats
            FROM orders o LEFT JOIN customers c ON concat('cust-{id}-', o.customer_id) = c.id;
            """;
        var outcome = Run(dir, query);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        var engine = File.ReadAllLines(dir.File("out.json")).Select(l =>
        {
            var row = JsonDocument.Parse(l).RootElement;
            return string.Join("|", new[] { "order_id", "customer_id", "amount", "customer_name", "plan", "seats" }
                .Select(c => row.TryGetProperty(c, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "NULL"));
        }).Order(StringComparer.Ordinal).ToList();

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $$"""
            SELECT o.order_id, o.customer_id, o.amount, c.customer_name, c.plan, c.seats
            FROM read_json('{{dir.File("orders.json")}}', columns = {order_id: 'BIGINT', customer_id: 'VARCHAR', amount: 'INTEGER'}) o
            LEFT JOIN read_json('{{dir.File("customers.json")}}', columns = {customer_id: 'VARCHAR', customer_name: 'VARCHAR', plan: 'VARCHAR', seats: 'INTEGER'}) c
            ON o.customer_id = c.customer_id
            """;
        var expected = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                expected.Add(string.Join("|", Enumerable.Range(0, 6).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }
        }
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(500, expected.Count);
        Assert.Contains(expected, r => r.EndsWith("|NULL|NULL|NULL", StringComparison.Ordinal));
        Assert.Equal(expected, engine);
    }

    [Fact]
    public void Inner_lookup_join_drops_missing_keys_and_a_where_on_the_lookup_side_makes_a_left_join_inner()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        redis.Database.StringSet($"{id}:1", "one");
        redis.Database.StringSet($"{id}:3", "three");
        var query = $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000', message_count = '6');
            CREATE TEMPORARY TABLE names (k TEXT METADATA FROM 'key' PRIMARY KEY, value TEXT)
              WITH (connector = 'redis', {Connection()}, format = 'raw_string');
            CREATE TABLE inner_out WITH (connector = 'single_file', path = '{dir.File("inner.json")}', format = 'json', type = 'sink');
            CREATE TABLE where_out WITH (connector = 'single_file', path = '{dir.File("where.json")}', format = 'json', type = 'sink');
            INSERT INTO inner_out SELECT counter, n.value FROM impulse JOIN names n ON concat('{id}:', CAST(counter AS TEXT)) = n.k;
            INSERT INTO where_out SELECT counter, n.k FROM impulse LEFT JOIN names n ON concat('{id}:', CAST(counter AS TEXT)) = n.k WHERE n.value <> 'one';
            """;
        var outcome = Run(dir, query);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(["{\"counter\":1,\"value\":\"one\"}", "{\"counter\":3,\"value\":\"three\"}"], File.ReadAllLines(dir.File("inner.json")).Order());
        Assert.Equal([$"{{\"counter\":3,\"k\":\"{id}:3\"}}"], File.ReadAllLines(dir.File("where.json")));
    }

    [Fact]
    public void An_unreachable_server_fails_within_30_seconds_naming_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = NativeTestServer.FreePort();
        var outcome = Run(dir, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE out (k TEXT NOT NULL) WITH (connector = 'redis', {Connection(port: port)}, type = 'sink', format = 'json',
              target = 'string', target.key_prefix = 'p', target.key_column = 'k');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS k FROM impulse;
            """, timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"cannot connect to Redis at 127.0.0.1:{port}", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain(RedisServerFixture.Password, outcome.Stderr);
    }

    [Theory]
    [InlineData("wrong-password")]
    [InlineData(null)]
    public void Refused_credentials_are_reported_without_the_password(string? password)
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var outcome = Run(dir, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TEMPORARY TABLE names (k TEXT METADATA FROM 'key' PRIMARY KEY, value TEXT)
              WITH (connector = 'redis', {Connection(password)}, format = 'raw_string');
            SELECT counter, n.value FROM impulse LEFT JOIN names n ON CAST(counter AS TEXT) = n.k;
            """, timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"Redis at 127.0.0.1:{redis.Port} refused the credentials of table 'names'", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        if (password is not null) Assert.DoesNotContain(password, outcome.Stderr);
    }

    [Theory]
    [InlineData("target = 'set', target.key_prefix = 'p'", "invalid value 'set' for option 'target'")]
    [InlineData("target = 'string', target.key_prefix = 'p', target.key_colum = 'k'", "Did you mean 'target.key_column'?")]
    // The reference's docs table spells it target.key_columns; its source only ever read target.key_column.
    [InlineData("target = 'string', target.key_prefix = 'p', target.key_columns = 'k'", "Did you mean 'target.key_column'?")]
    [InlineData("target = 'string', target.key_prefix = 'p', target.key_column = 'v'", "invalid value 'v' for target.key_column, must be the name of a non-nullable TEXT column on the table")]
    [InlineData("target = 'string', target.key_prefix = 'p', target.ttl_secs = '0'", "target.ttl_secs must be greater than 0")]
    [InlineData("target = 'list', target.key_prefix = 'p', target.operation = 'insert'", "invalid value 'insert' for option 'target.operation'")]
    [InlineData("target = 'hash', target.key_prefix = 'p'", "requires the option 'target.field_column'")]
    [InlineData("target = 'string'", "requires the option 'target.key_prefix'")]
    public void Bad_options_are_refused_before_anything_runs(string options, string message)
    {
        using var dir = new TempDirectory();
        var outcome = Run(dir, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE out (k TEXT NOT NULL, v TEXT) WITH (connector = 'redis', address = 'redis://127.0.0.1:1', type = 'sink', format = 'json', {options});
            INSERT INTO out SELECT CAST(counter AS TEXT) AS k, 'x' AS v FROM impulse;
            """);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains(message, outcome.Stderr);
        Assert.Contains("error at line 2", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void A_server_killed_mid_run_is_retried_and_no_row_is_lost()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        const int count = 3000;
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '400', message_count = '{count}');
            CREATE TABLE out (k TEXT NOT NULL) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'json',
              target = 'string', target.key_prefix = '{id}:', target.key_column = 'k');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS k FROM impulse;
            """);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env);
        WaitFor(() => redis.Database.KeyExists($"{id}:200"), running, "the first rows in redis");
        redis.Kill();
        Thread.Sleep(2000);
        redis.RestartAsync().GetAwaiter().GetResult();
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("failed", outcome.Stderr);
        var missing = Enumerable.Range(0, count).Where(i => !redis.Database.KeyExists($"{id}:{i}")).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} keys missing, first {string.Join(", ", missing.Take(5))}\n{outcome.Stderr}");
    }

    [Fact]
    public void A_pipeline_killed_with_sigkill_resumes_from_its_checkpoint_and_writes_every_row()
    {
        redis.RequireRunning();
        using var dir = new TempDirectory();
        var id = Id();
        const int count = 2000;
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '400', message_count = '{count}');
            CREATE TABLE out (k TEXT NOT NULL) WITH (connector = 'redis', {Connection()}, type = 'sink', format = 'raw_string',
              target = 'list', target.key_prefix = '{id}', target.operation = 'append');
            INSERT INTO out SELECT CAST(counter AS TEXT) AS k FROM impulse;
            """);
        using (var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env))
        {
            WaitFor(() => running.Stderr.Contains("checkpoint 2 complete", StringComparison.Ordinal), running, "two checkpoints");
            running.Signal(9);
            running.WaitForExit(TimeSpan.FromSeconds(30));
        }
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: s_env, timeout: TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var values = redis.Database.ListRange(id).Select(v => int.Parse((string)v!)).ToList();
        // At least once: every counter is there; the rows after the last checkpoint of the killed run come twice.
        Assert.Equal(Enumerable.Range(0, count), values.Distinct().Order());
        Assert.True(values.Count < count * 2, $"{values.Count} values");
    }

    private static void WaitFor(Func<bool> condition, ArroyoProcess running, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} after 60 s\n{running.Stderr}");
            Thread.Sleep(50);
        }
    }
}
