using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>The HTTP server of a running `arroyo run`: REST API, metrics, health, stop, auth.</summary>
public sealed class WebApiTests
{
    [Fact]
    public async Task The_api_shows_the_running_pipeline_and_a_stop_request_ends_it_after_a_final_checkpoint()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        long lastEpoch;
        using (var served = ServedPipeline.Start(dir.File("q.sql"), dir.File("state")))
        {
            Assert.Equal("127.0.0.1", served.BaseAddress.Host);
            Assert.Equal(HttpStatusCode.OK, (await served.Http.GetAsync("healthz")).StatusCode);

            var pipelines = await served.GetJsonAsync("api/v1/pipelines");
            var pipeline = Assert.Single(pipelines.GetProperty("data").EnumerateArray().ToList());
            Assert.Equal(served.PipelineId, pipeline.GetProperty("id").GetString());
            Assert.Equal(ServedPipeline.CountingQuery, pipeline.GetProperty("query").GetString());
            Assert.Equal("running", pipeline.GetProperty("state").GetString());
            Assert.Equal(1, pipeline.GetProperty("parallelism").GetInt32());
            Assert.Equal(JsonValueKind.Null, pipeline.GetProperty("restored_epoch").ValueKind);
            var nodes = pipeline.GetProperty("graph").GetProperty("nodes").EnumerateArray().ToList();
            Assert.Contains(nodes, n => n.GetProperty("operator").GetString() == "TumblingAggregate");
            var edges = pipeline.GetProperty("graph").GetProperty("edges").EnumerateArray().ToList();
            Assert.Contains(edges, e => e.GetProperty("edge_type").GetString() == "shuffle");
            Assert.Equal(nodes.Count - 1, edges.Count);

            // Counters increase between two scrapes, and every line is valid exposition text.
            var source = nodes.Single(n => n.GetProperty("operator").GetString() == "Source").GetProperty("node_id").GetInt32().ToString();
            var aggregate = nodes.Single(n => n.GetProperty("operator").GetString() == "TumblingAggregate").GetProperty("node_id").GetInt32().ToString();
            var first = await ScrapeAsync(served);
            Assert.Equal("counter", first.Types["arroyo_worker_messages_recv"]);
            Assert.Equal("gauge", first.Types["arroyo_worker_tx_queue_rem"]);
            Assert.Contains(first.Types.Keys, k => k.StartsWith("dotnet_gc_", StringComparison.Ordinal));
            var sentBefore = first.Value("arroyo_worker_messages_sent", ("node_id", source), ("subtask_idx", "0"));
            await ServedPipeline.EventuallyAsync(async () =>
            {
                var later = await ScrapeAsync(served);
                return later.Value("arroyo_worker_messages_sent", ("node_id", source), ("subtask_idx", "0")) > sentBefore
                    && later.Value("arroyo_worker_messages_recv", ("node_id", aggregate), ("subtask_idx", "0")) > 0
                    ? later : null;
            }, TimeSpan.FromSeconds(30), "arroyo_worker_messages_sent to increase");

            // A completed checkpoint with bytes per operator, and the aggregate's state size in the metrics.
            var completed = await ServedPipeline.EventuallyAsync(async () =>
            {
                var list = (await served.GetJsonAsync(served.JobPath + "/checkpoints")).GetProperty("data").EnumerateArray()
                    .Where(c => c.GetProperty("status").GetString() == "completed").ToList();
                return list.Count > 0 ? list : null;
            }, TimeSpan.FromSeconds(30), "a completed checkpoint");
            var checkpoint = completed[^1];
            var epoch = checkpoint.GetProperty("epoch").GetInt64();
            Assert.Equal("scheduled", checkpoint.GetProperty("checkpoint_type").GetString());
            var groups = (await served.GetJsonAsync($"{served.JobPath}/checkpoints/{epoch}/operator_checkpoint_groups")).GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(checkpoint.GetProperty("bytes").GetInt64(), groups.Sum(g => g.GetProperty("bytes").GetInt64()));
            Assert.True(groups.Single(g => g.GetProperty("operator_id").GetString() == aggregate).GetProperty("bytes").GetInt64() > 0);
            Assert.True((await ScrapeAsync(served)).Value("arroyo_worker_state_bytes", ("node_id", aggregate)) > 0);
            Assert.True((await ScrapeAsync(served)).Value("arroyo_checkpoints_completed") >= 1);

            var metrics = (await served.GetJsonAsync(served.JobPath + "/operator_metrics")).GetProperty("data").EnumerateArray().ToList();
            Assert.True(metrics.Single(m => m.GetProperty("node_id").GetInt32().ToString() == source).GetProperty("messages_sent").GetInt64() > 0);
            var series = (await served.GetJsonAsync(served.JobPath + "/operator_metric_groups")).GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(nodes.Count, series.Count);
            Assert.Contains(series.First().GetProperty("metric_groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "messages_sent");
            Assert.Equal(JsonValueKind.Array, (await served.GetJsonAsync(served.JobPath + "/errors")).GetProperty("data").ValueKind);
            Assert.Equal(HttpStatusCode.NotFound, (await served.Http.GetAsync("api/v1/pipelines/pl_nosuchthing")).StatusCode);

            var openApi = await served.GetJsonAsync("api/openapi.json");
            var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains("/api/v1/pipelines/{id}", paths);
            Assert.Contains("/api/v1/pipelines/{id}/jobs/{job_id}/checkpoints", paths);

            var ready = await ServedPipeline.EventuallyAsync(async () =>
                (await served.Http.GetAsync("readyz")).StatusCode == HttpStatusCode.OK ? "ok" : null, TimeSpan.FromSeconds(30), "/readyz");
            Assert.Equal("ok", ready);

            using var stop = await served.StopAsync();
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            var outcome = served.Process.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
            Assert.Contains("stopping: taking a final checkpoint", outcome.Stderr);
            lastEpoch = long.Parse(System.Text.RegularExpressions.Regex.Match(outcome.Stderr, @"pipeline finished; last checkpoint (\d+)").Groups[1].Value);
            Assert.True(lastEpoch > epoch);
        }

        // The next run resumes from the final checkpoint of the stopped one.
        using (var again = ServedPipeline.Start(dir.File("q.sql"), dir.File("state")))
        {
            var pipeline = await again.GetJsonAsync($"api/v1/pipelines/{again.PipelineId}");
            Assert.Equal(lastEpoch, pipeline.GetProperty("restored_epoch").GetInt64());
            using var stop = await again.StopAsync();
            Assert.Equal(0, again.Process.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        }
    }

    [Fact]
    public async Task With_a_static_api_key_requests_without_it_get_401_and_the_key_is_never_logged()
    {
        const string key = "s3cret-Key-for-the-test";
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        using var served = ServedPipeline.Start(dir.File("q.sql"), dir.File("state"), new Dictionary<string, string>
        {
            ["ARROYO__API__AUTH_MODE__TYPE"] = "static-api-key",
            ["ARROYO__API__AUTH_MODE__API_KEY"] = key,
            ["ARROYO__LOGGING__LEVEL"] = "debug",
        });
        using var anonymous = new HttpClient { BaseAddress = served.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/pipelines")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/openapi.json")).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", key + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/pipelines")).StatusCode);
        using var patch = await anonymous.PatchAsync($"api/v1/pipelines/{served.PipelineId}",
            new StringContent("""{"stop":"checkpoint"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, patch.StatusCode);
        // Probes stay open for the platform's health checks.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("healthz")).StatusCode);

        served.Http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var pipeline = await served.GetJsonAsync($"api/v1/pipelines/{served.PipelineId}");
        Assert.Equal("running", pipeline.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await served.Http.GetAsync("metrics")).StatusCode);
        using var stop = await served.StopAsync();
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var outcome = served.Process.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.DoesNotContain(key, outcome.Stderr);
        Assert.DoesNotContain(key, outcome.Stdout);
    }

    [Fact]
    public async Task The_server_listens_on_loopback_only_by_default()
    {
        var other = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (other is null) Assert.Skip("this machine has no non-loopback IPv4 address to try");

        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        using var served = ServedPipeline.Start(dir.File("q.sql"), dir.File("state"));
        Assert.Equal(HttpStatusCode.OK, (await served.Http.GetAsync("healthz")).StatusCode);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(other, served.BaseAddress.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        using var stop = await served.StopAsync();
        Assert.Equal(0, served.Process.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
    }

    [Fact]
    public async Task The_server_does_not_watch_the_working_directory()
    {
        // ASP.NET Core's default builders watch the content root (the working directory)
        // recursively for appsettings changes: an inotify watch on every directory below it, and
        // work for every file the pipeline writes there. That cost a busy pipeline ~0.5 CPU-s.
        if (!OperatingSystem.IsLinux()) Assert.Skip("reads inotify watches from /proc");
        using var dir = new TempDirectory();
        for (var i = 0; i < 20; i++) Directory.CreateDirectory(dir.File(Path.Combine("tree", $"d{i}", "sub")));
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        using var served = ServedPipeline.Start(dir.File("q.sql"), dir.File(Path.Combine("tree", "state")), workingDirectory: dir.File("tree"));
        Assert.Equal(HttpStatusCode.OK, (await served.Http.GetAsync("metrics")).StatusCode);

        var watches = Directory.EnumerateFiles($"/proc/{served.Process.Id}/fdinfo")
            .Sum(fd => { try { return File.ReadLines(fd).Count(l => l.StartsWith("inotify wd:", StringComparison.Ordinal)); } catch (IOException) { return 0; } });
        Assert.Equal(0, watches);
        using var stop = await served.StopAsync();
        Assert.Equal(0, served.Process.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
    }

    [Fact]
    public void With_the_api_off_there_is_no_server_and_a_bad_api_setting_is_refused_before_anything_runs()
    {
        using var dir = new TempDirectory();
        const string bounded = """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '10');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter FROM impulse;
            """;
        File.WriteAllText(dir.File("q.sql"), bounded);
        var off = ArroyoProcess.Run(["run", "-s", dir.File("off"), dir.File("q.sql")], environment: new Dictionary<string, string> { ["ARROYO__API__ENABLED"] = "false" });
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.DoesNotContain("dashboard at", off.Stderr);

        var bad = ArroyoProcess.Run(["run", "-s", dir.File("bad"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__API__AUTH_MODE__TYPE"] = "static-api-kye" });
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("'api.auth-mode.type' = 'static-api-kye'", bad.Stderr);
        Assert.Contains("static-api-key", bad.Stderr);
        Assert.DoesNotContain("running pipeline", bad.Stderr);
    }

    [Fact]
    public void A_port_in_use_is_reported_before_the_pipeline_starts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__API__RUN_HTTP_PORT"] = port.ToString() });
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"the HTTP server cannot listen on 127.0.0.1:{port}", outcome.Stderr);
        Assert.DoesNotContain("running pipeline", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.False(Directory.Exists(dir.File("state")) && Directory.EnumerateFiles(dir.File("state"), "manifest.json", SearchOption.AllDirectories).Any());
    }

    private static async Task<PrometheusText> ScrapeAsync(ServedPipeline served)
    {
        using var response = await served.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
