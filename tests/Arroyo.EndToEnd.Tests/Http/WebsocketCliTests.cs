using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers.Http;

namespace Arroyo.EndToEnd.Tests.Http;

/// <summary>
/// The websocket source through the real CLI. A websocket has no position to resume from, so
/// the reference's guarantee is at most once: after kill -9 the restarted run subscribes again
/// and reads what the server sends from then on; what was read after the last checkpoint is
/// not read again. Never a duplicate.
/// </summary>
public sealed class WebsocketCliTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task One_source_table_read_by_two_statements()
    {
        using var dir = new TempDirectory();
        var feed = new WebsocketFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/ws"));
        var output = dir.File("out.json");
        var odds = dir.File("odds.json");
        using var running = HttpCli.Start(dir, $"""
            CREATE TABLE ticks (value TEXT) WITH (connector = 'websocket', endpoint = '{server.WebsocketUrl}/ws', format = 'raw_string',
              subscription_message = 'subscribe');
            {HttpCli.FileSink(output)}
            CREATE TABLE odds (value TEXT) WITH (connector = 'single_file', path = '{odds}', format = 'json', type = 'sink');
            INSERT INTO out SELECT value FROM ticks;
            INSERT INTO odds SELECT value FROM ticks WHERE CAST(substr(value, 2) AS BIGINT) % 2 = 1;
            """);
        await feed.WaitForReceivedAsync(1, s_wait);
        for (var i = 1; i <= 20; i++) await feed.SendAsync($"m{i}", s_wait);
        HttpCli.WaitUntil(running, () => HttpCli.Values(output).Count >= 20 && HttpCli.Values(odds).Count >= 10, "20 messages and 10 odd ones");
        HttpCli.Stop(running);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"m{i}"), HttpCli.Values(output));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{2 * i + 1}"), HttpCli.Values(odds));
        // Both statements read the one table through one connection.
        Assert.Equal(1, feed.Connections);
    }

    [Fact]
    public async Task Killed_and_restarted_it_subscribes_again_and_reads_on_at_most_once()
    {
        using var dir = new TempDirectory();
        var feed = new WebsocketFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/ws"));
        var output = dir.File("out.json");
        var query = $"""
            CREATE TABLE ticks (value TEXT) WITH (connector = 'websocket', endpoint = '{server.WebsocketUrl}/ws', format = 'raw_string',
              subscription_message = 'subscribe');
            {HttpCli.FileSink(output)}
            INSERT INTO out SELECT value FROM ticks;
            """;
        using (var first = HttpCli.Start(dir, query))
        {
            await feed.WaitForReceivedAsync(1, s_wait);
            for (var i = 1; i <= 20; i++) await feed.SendAsync($"m{i}", s_wait);
            HttpCli.WaitUntil(first, () => HttpCli.Values(output).Count >= 20, "20 messages");
            HttpCli.WaitForCheckpointAfterNow(first, dir);
            HttpCli.Kill(first);
        }
        using (var second = HttpCli.Start(dir, query))
        {
            await feed.WaitForReceivedAsync(2, s_wait);
            for (var i = 21; i <= 40; i++) await feed.SendAsync($"m{i}", s_wait);
            HttpCli.WaitUntil(second, () => HttpCli.Values(output).Count >= 40, "40 messages");
            HttpCli.Stop(second);
        }
        // Everything checkpointed before the kill survived it, and nothing came twice.
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"m{i}"), HttpCli.Values(output));
        Assert.Equal(["subscribe", "subscribe"], feed.Received);
    }

    [Fact]
    public void An_unreachable_endpoint_stops_the_run_with_its_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = LoopbackHttpServer.UnusedPort();
        var outcome = HttpCli.Fails(dir, $"""
            CREATE TABLE ticks (value TEXT) WITH (connector = 'websocket', endpoint = 'ws://127.0.0.1:{port}/ws', format = 'raw_string');
            SELECT value FROM ticks;
            """, TimeSpan.FromSeconds(90));
        Assert.Contains($"cannot connect to the websocket endpoint 127.0.0.1:{port} (table 'ticks'): connection refused", outcome.Stderr);
    }
}
