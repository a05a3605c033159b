using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.EndToEnd.Tests.Http;

/// <summary>
/// The polling_http source through the real CLI with <c>emit_behavior = 'changed'</c>: the last
/// body is checkpointed, so with the exactly-once file sink each distinct body is written once
/// across a stop, a restart and a kill -9.
/// </summary>
public sealed class PollingHttpCliTests
{
    [Fact]
    public async Task One_source_table_read_by_two_statements()
    {
        using var dir = new TempDirectory();
        var body = "{\"value\":\"v1\"}";
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/rates", () => Results.Text(Volatile.Read(ref body), "application/json")));
        var output = dir.File("out.json");
        var copy = dir.File("copy.json");
        using var running = HttpCli.Start(dir, $"""
            CREATE TABLE rates (value TEXT) WITH (connector = 'polling_http', endpoint = '{server.Url}/rates', format = 'json',
              poll_interval_ms = '50', emit_behavior = 'changed');
            {HttpCli.FileSink(output)}
            CREATE TABLE copy (value TEXT) WITH (connector = 'single_file', path = '{copy}', format = 'json', type = 'sink');
            INSERT INTO out SELECT value FROM rates;
            INSERT INTO copy SELECT upper(value) AS value FROM rates;
            """);
        HttpCli.WaitUntil(running, () => HttpCli.Values(output).Count >= 1 && HttpCli.Values(copy).Count >= 1, "v1 in both");
        Volatile.Write(ref body, "{\"value\":\"v2\"}");
        HttpCli.WaitUntil(running, () => HttpCli.Values(output).Count >= 2 && HttpCli.Values(copy).Count >= 2, "v2 in both");
        HttpCli.Stop(running);
        Assert.Equal(["v1", "v2"], HttpCli.Values(output));
        Assert.Equal(["V1", "V2"], HttpCli.Values(copy));
    }

    [Fact]
    public async Task Each_changed_body_is_written_once_across_stops_and_kills()
    {
        using var dir = new TempDirectory();
        var body = "{\"value\":\"v1\"}";
        var polls = 0;
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/rates", () =>
        {
            Interlocked.Increment(ref polls);
            return Results.Text(Volatile.Read(ref body), "application/json");
        }));
        var output = dir.File("out.json");
        var query = $"""
            CREATE TABLE rates (value TEXT) WITH (connector = 'polling_http', endpoint = '{server.Url}/rates', format = 'json',
              poll_interval_ms = '50', emit_behavior = 'changed');
            {HttpCli.FileSink(output)}
            INSERT INTO out SELECT value FROM rates;
            """;
        using (var first = HttpCli.Start(dir, query))
        {
            HttpCli.WaitUntil(first, () => HttpCli.Values(output).Count >= 1, "v1");
            Volatile.Write(ref body, "{\"value\":\"v2\"}");
            HttpCli.WaitUntil(first, () => HttpCli.Values(output).Count >= 2, "v2");
            HttpCli.Stop(first);
        }
        using (var second = HttpCli.Start(dir, query))
        {
            // The restored run polls v2 again and, remembering it, writes nothing.
            var before = Volatile.Read(ref polls);
            HttpCli.WaitUntil(second, () => Volatile.Read(ref polls) >= before + 5, "five polls");
            Volatile.Write(ref body, "{\"value\":\"v3\"}");
            HttpCli.WaitUntil(second, () => HttpCli.Values(output).Count >= 3, "v3");
            HttpCli.Kill(second);
        }
        using (var third = HttpCli.Start(dir, query))
        {
            var before = Volatile.Read(ref polls);
            HttpCli.WaitUntil(third, () => Volatile.Read(ref polls) >= before + 5, "five polls");
            // Whether or not v3 was checkpointed before the kill, it is in the output once.
            HttpCli.WaitUntil(third, () => HttpCli.Values(output).Count >= 3, "v3");
            HttpCli.Stop(third);
        }
        Assert.Equal(["v1", "v2", "v3"], HttpCli.Values(output));
    }

    [Fact]
    public void An_unreachable_endpoint_stops_the_run_with_its_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = LoopbackHttpServer.UnusedPort();
        var outcome = HttpCli.Fails(dir, $"""
            CREATE TABLE rates (value TEXT) WITH (connector = 'polling_http', endpoint = 'http://127.0.0.1:{port}/rates', format = 'json');
            SELECT value FROM rates;
            """, TimeSpan.FromSeconds(90));
        Assert.Contains($"cannot connect to the polling HTTP endpoint 127.0.0.1:{port} (table 'rates'): connection refused", outcome.Stderr);
    }
}
