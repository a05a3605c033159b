using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>
/// The HTTP server starts before the pipeline (its start-up is not paid beside the first
/// batches). While the pipeline is still starting, here held up by a state store that accepts
/// connections and never answers, the probes tell "starting" from "down" and the API answers
/// 503 rather than failing or hanging.
/// </summary>
public sealed partial class ServerBeforePipelineTests
{
    [Fact]
    public async Task While_the_state_dir_opens_the_server_answers_starting()
    {
        using var store = new TcpListener(IPAddress.Loopback, 0);
        store.Start();
        var storePort = ((IPEndPoint)store.LocalEndpoint).Port;
        var accepted = store.AcceptTcpClientAsync();
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        using var running = ArroyoProcess.Start(["run", "-s", $"s3::http://127.0.0.1:{storePort}/bucket/pipe", dir.File("q.sql")],
            environment: new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "not-a-secret",
                ["AWS_REGION"] = "us-east-1",
                // The server's address is logged at debug level until the pipeline runs.
                ["ARROYO__LOGGING__LEVEL"] = "debug",
            });
        Assert.True(accepted.Wait(TimeSpan.FromSeconds(60)), "the CLI never reached the store: " + running.Stderr);
        using var connection = accepted.Result;
        var address = ListeningLine().Match(running.Stderr);
        Assert.True(address.Success, "no 'HTTP server listening at' line before the pipeline started:\n" + running.Stderr);
        Assert.DoesNotContain("dashboard at", running.Stderr);

        using var http = new HttpClient { BaseAddress = new Uri(address.Groups["base"].Value), Timeout = TimeSpan.FromSeconds(30) };
        using (var health = await http.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("starting", await ready.Content.ReadAsStringAsync());
        }
        using (var pipelines = await http.GetAsync("api/v1/pipelines"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, pipelines.StatusCode);
            Assert.Contains("starting", await pipelines.Content.ReadAsStringAsync());
        }
        using (var metrics = await http.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.DoesNotContain("arroyo_worker_", await metrics.Content.ReadAsStringAsync());
        }

        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("stopped while opening the state dir", outcome.Stderr);
    }

    [GeneratedRegex(@"HTTP server listening at (?<base>http://[^/\s]+/)")]
    private static partial Regex ListeningLine();
}
