using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>
/// The real CLI running a pipeline with its HTTP server: the address and pipeline id are read
/// from the "dashboard at" log line, as a user would.
/// </summary>
public sealed partial class ServedPipeline : IDisposable
{
    private ServedPipeline(ArroyoProcess process, Uri baseAddress, string pipelineId)
    {
        Process = process;
        BaseAddress = baseAddress;
        PipelineId = pipelineId;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ArroyoProcess Process { get; }

    public Uri BaseAddress { get; }

    public string PipelineId { get; }

    public string JobId => "job_" + PipelineId["pl_".Length..];

    public string JobPath => $"api/v1/pipelines/{PipelineId}/jobs/{JobId}";

    public HttpClient Http { get; }

    /// <summary>An unbounded impulse → key projection → tumbling count → blackhole pipeline.</summary>
    public const string CountingQuery = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000');
        CREATE TABLE out WITH (connector = 'blackhole');
        INSERT INTO out SELECT counter % 10 AS k, count(*) AS c FROM impulse GROUP BY tumble(interval '1 second'), counter % 10;
        """;

    public static ServedPipeline Start(string queryFile, string stateDir, IDictionary<string, string>? environment = null, string? apiKey = null, string? workingDirectory = null)
    {
        var env = new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "500ms" };
        if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
        var process = ArroyoProcess.Start(["run", "-s", stateDir, queryFile], environment: env, workingDirectory: workingDirectory);
        if (!process.WaitForLog("dashboard at ", TimeSpan.FromSeconds(60)))
        {
            var stderr = process.Stderr;
            process.Dispose();
            throw new InvalidOperationException($"no 'dashboard at' line in the log:\n{stderr}");
        }
        var match = DashboardLine().Match(process.Stderr);
        var served = new ServedPipeline(process, new Uri(match.Groups["base"].Value), match.Groups["id"].Value);
        if (apiKey is not null) served.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return served;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asks the API to stop the pipeline after a final checkpoint.</summary>
    public async Task<HttpResponseMessage> StopAsync() =>
        await Http.PatchAsJsonAsync($"api/v1/pipelines/{PipelineId}", new { stop = "checkpoint" });

    /// <summary>Polls <paramref name="read"/> until it returns a value, failing after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await read() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }

    [GeneratedRegex(@"dashboard at (?<base>http://[^/\s]+/)pipelines/(?<id>pl_[0-9a-f]+)")]
    private static partial Regex DashboardLine();
}
