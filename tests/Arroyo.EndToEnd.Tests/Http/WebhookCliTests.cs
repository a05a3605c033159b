using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers.Http;

namespace Arroyo.EndToEnd.Tests.Http;

/// <summary>
/// The webhook sink through the real CLI: fed by two INSERT statements, retried through
/// server errors and an endpoint that goes away mid-run, and at least once across kill -9 (rows after the last checkpoint are posted
/// again by the restarted run).
/// </summary>
public sealed class WebhookCliTests
{
    [Fact]
    public async Task Every_row_of_two_statements_arrives_at_least_once_across_a_kill()
    {
        using var dir = new TempDirectory();
        var inbox = new WebhookInbox { FailFirst = 3 };
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        var query = $"""
            CREATE TABLE numbers WITH (connector = 'impulse', event_rate = '50', message_count = '600');
            CREATE TABLE hook (n BIGINT, kind TEXT) WITH (connector = 'webhook', endpoint = '{server.Url}/hook', format = 'json',
              headers = 'Content-Type: application/json');
            INSERT INTO hook SELECT counter AS n, 'even' AS kind FROM numbers WHERE counter % 2 = 0;
            INSERT INTO hook SELECT counter AS n, 'odd' AS kind FROM numbers WHERE counter % 2 = 1;
            """;
        using (var first = HttpCli.Start(dir, query))
        {
            HttpCli.WaitUntil(first, () => inbox.Bodies.Count >= 100, "100 deliveries");
            HttpCli.WaitForCheckpointAfterNow(first, dir);
            HttpCli.Kill(first);
        }
        var beforeRestart = inbox.Bodies.Count;
        Assert.True(beforeRestart < 600, "the first run finished before the kill");
        File.WriteAllText(dir.File("q.sql"), query);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: HttpCli.Env, timeout: TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        var rows = inbox.Bodies.Select(b => JsonDocument.Parse(b).RootElement).Select(r => (N: r.GetProperty("n").GetInt64(), Kind: r.GetProperty("kind").GetString())).ToList();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (long)i), rows.Select(r => r.N).Distinct().Order());
        Assert.All(rows, r => Assert.Equal(r.N % 2 == 0 ? "even" : "odd", r.Kind));
        Assert.Equal("application/json", inbox.LastContentType);
    }

    [Fact]
    public async Task An_endpoint_that_goes_away_mid_run_is_retried_until_it_is_back_and_nothing_is_lost()
    {
        using var dir = new TempDirectory();
        var inbox = new WebhookInbox();
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        using var running = HttpCli.Start(dir, $"""
            CREATE TABLE numbers WITH (connector = 'impulse', event_rate = '100', message_count = '800');
            CREATE TABLE hook (n BIGINT) WITH (connector = 'webhook', endpoint = '{server.Url}/hook', format = 'json');
            INSERT INTO hook SELECT counter AS n FROM numbers;
            """);
        HttpCli.WaitUntil(running, () => inbox.Bodies.Count >= 100, "100 deliveries");
        await server.StopAsync();
        // Retried, not failed: the run keeps going (and a barrier waits) while the endpoint is away.
        HttpCli.WaitUntil(running, () => running.Stderr.Contains($"webhook request to 127.0.0.1:{server.Port} failed", StringComparison.Ordinal), "a retry warning");
        Assert.True(inbox.Bodies.Count < 800, "the run finished before the endpoint went away");
        await server.RestartAsync();
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var numbers = inbox.Bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("n").GetInt64());
        Assert.Equal(Enumerable.Range(0, 800).Select(i => (long)i), numbers.Distinct().Order());
    }

    [Fact]
    public void An_unreachable_endpoint_stops_the_run_with_its_host_and_port()
    {
        using var dir = new TempDirectory();
        var port = LoopbackHttpServer.UnusedPort();
        // The endpoint names an environment variable holding a secret: errors show the host and port, never the substituted URL.
        var outcome = HttpCli.Fails(dir, $$$"""
            CREATE TABLE numbers WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE TABLE hook (n BIGINT) WITH (connector = 'webhook', endpoint = 'http://127.0.0.1:{{{port}}}/hook?token={{HOOK_TOKEN}}', format = 'json');
            INSERT INTO hook SELECT counter AS n FROM numbers;
            """, TimeSpan.FromSeconds(90), new Dictionary<string, string> { ["HOOK_TOKEN"] = "tok-5ecret" });
        Assert.DoesNotContain("tok-5ecret", outcome.Stderr);
        Assert.Contains($"cannot reach the webhook endpoint 127.0.0.1:{port} (table 'hook'): connection refused", outcome.Stderr);
    }
}
