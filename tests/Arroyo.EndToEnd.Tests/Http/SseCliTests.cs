using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers.Http;

namespace Arroyo.EndToEnd.Tests.Http;

/// <summary>
/// The sse source through the real CLI: killed with -9 and restarted, it resumes from the
/// checkpointed event id (sent as Last-Event-ID), so with the exactly-once file sink every
/// event is written once.
/// </summary>
public sealed class SseCliTests
{
    [Fact]
    public async Task Killed_and_restarted_it_resumes_after_the_checkpointed_event_without_loss_or_duplicates()
    {
        using var dir = new TempDirectory();
        var feed = new SseFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        for (var i = 1; i <= 50; i++) feed.Add(i % 2 == 0 ? "even" : "odd", $"e{i}");
        var output = dir.File("out.json");
        var query = $"""
            CREATE TABLE events (value TEXT) WITH (connector = 'sse', endpoint = '{server.Url}/events', format = 'raw_string', events = 'odd,even');
            {HttpCli.FileSink(output)}
            INSERT INTO out SELECT value FROM events;
            """;
        using (var first = HttpCli.Start(dir, query))
        {
            HttpCli.WaitUntil(first, () => HttpCli.Values(output).Count >= 50, "50 events");
            HttpCli.WaitForCheckpointAfterNow(first, dir);
            HttpCli.Kill(first);
        }
        for (var i = 51; i <= 100; i++) feed.Add("odd", $"e{i}");
        using (var second = HttpCli.Start(dir, query))
        {
            HttpCli.WaitUntil(second, () => HttpCli.Values(output).Count >= 100, "100 events");
            HttpCli.Stop(second);
        }
        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"e{i}"), HttpCli.Values(output));
        // The restarted run asked for the events after the one its checkpoint recorded.
        Assert.NotNull(feed.LastEventIds[^1]);
    }

    [Fact]
    public async Task One_source_table_read_by_two_statements()
    {
        using var dir = new TempDirectory();
        var feed = new SseFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        for (var i = 1; i <= 30; i++) feed.Add(i % 2 == 0 ? "even" : "odd", $"e{i}");
        var output = dir.File("out.json");
        var odds = dir.File("odds.json");
        using var running = HttpCli.Start(dir, $"""
            CREATE TABLE events (value TEXT) WITH (connector = 'sse', endpoint = '{server.Url}/events', format = 'raw_string');
            {HttpCli.FileSink(output)}
            CREATE TABLE odds (value TEXT) WITH (connector = 'single_file', path = '{odds}', format = 'json', type = 'sink');
            INSERT INTO out SELECT value FROM events;
            INSERT INTO odds SELECT value FROM events WHERE CAST(substr(value, 2) AS BIGINT) % 2 = 1;
            """);
        HttpCli.WaitUntil(running, () => HttpCli.Values(output).Count >= 30 && HttpCli.Values(odds).Count >= 15, "30 events and 15 odd ones");
        HttpCli.Stop(running);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"e{i}"), HttpCli.Values(output));
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"e{2 * i + 1}"), HttpCli.Values(odds));
    }

    [Fact]
    public void An_unreachable_endpoint_stops_the_run_with_its_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = LoopbackHttpServer.UnusedPort();
        var outcome = HttpCli.Fails(dir, $"""
            CREATE TABLE events (value TEXT) WITH (connector = 'sse', endpoint = 'http://127.0.0.1:{port}/events', format = 'raw_string');
            SELECT value FROM events;
            """, TimeSpan.FromSeconds(90));
        Assert.Contains($"cannot connect to the SSE endpoint 127.0.0.1:{port} (table 'events'): connection refused", outcome.Stderr);
    }
}
