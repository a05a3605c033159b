using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.TestServers.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The polling_http source against a Kestrel endpoint on loopback whose answer the test changes.</summary>
public sealed class PollingHttpSourceTests
{
    private static readonly Field[] s_value = [new("value", DataType.Utf8)];

    /// <summary>An endpoint answering <see cref="Body"/>, after <see cref="Delay"/>, or with <see cref="Status"/>; it records every request.</summary>
    private sealed class Endpoint
    {
        public volatile string Body = "a";
        public volatile int Status = 200;
        public TimeSpan Delay;
        public readonly List<string> Requests = [];

        public void Map(WebApplication app) => app.Map("/poll", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (Requests) Requests.Add($"{context.Request.Method} {body} {context.Request.Headers["X-Key"]}");
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
            context.Response.StatusCode = Status;
            await context.Response.WriteAsync(Status == 200 ? Body : "overloaded");
        });
    }

    [Fact]
    public async Task Changed_emits_each_distinct_body_once_and_remembers_the_last_across_a_restore()
    {
        var endpoint = new Endpoint();
        await using var server = await LoopbackHttpServer.StartAsync(endpoint.Map);
        (string, string)[] options = [("endpoint", server.Url + "/poll"), ("format", "raw_string"), ("poll_interval_ms", "20"), ("emit_behavior", "changed")];
        Arroyo.Engine.Tests.Connectors.ConnectorTestKit.MemoryState state;
        using (var run = new SourceRun("polling_http", s_value, null, options))
        {
            Assert.Equal(["a"], run.Take(1));
            Assert.Empty(run.Extra(TimeSpan.FromMilliseconds(200)));
            endpoint.Body = "b";
            Assert.Equal(["b"], run.Take(1));
            state = run.Checkpoint();
        }
        using (var restored = new SourceRun("polling_http", s_value, state.ReaderFor(0, 1), options))
        {
            Assert.Empty(restored.Extra(TimeSpan.FromMilliseconds(300)));
            endpoint.Body = "c";
            Assert.Equal(["c"], restored.Take(1));
        }
    }

    [Fact]
    public async Task All_emits_every_poll_and_sends_method_body_and_headers()
    {
        var endpoint = new Endpoint { Body = "{\"rate\":1.5}" };
        await using var server = await LoopbackHttpServer.StartAsync(endpoint.Map);
        using var run = new SourceRun("polling_http", [new Field("rate", DataType.Float64)], null,
            [("endpoint", server.Url + "/poll"), ("format", "json"), ("poll_interval_ms", "20"), ("method", "post"), ("body", "{\"q\":\"eur\"}"), ("headers", "X-Key: k1")]);
        Assert.Equal(["1.5", "1.5", "1.5"], run.Take(3));
        lock (endpoint.Requests) Assert.All(endpoint.Requests, r => Assert.Equal("POST {\"q\":\"eur\"} k1", r));
    }

    [Fact]
    public async Task Server_errors_and_slow_answers_are_retried()
    {
        var endpoint = new Endpoint { Status = 503 };
        await using var server = await LoopbackHttpServer.StartAsync(endpoint.Map);
        using var run = new SourceRun("polling_http", s_value, null,
            [("endpoint", server.Url + "/poll"), ("format", "raw_string"), ("poll_interval_ms", "50"), ("emit_behavior", "changed")]);
        Assert.Empty(run.Extra(TimeSpan.FromMilliseconds(500)));
        endpoint.Status = 200;
        Assert.Equal(["a"], run.Take(1));
        // Slower than the 5 s request timeout: the poll is abandoned and retried, and the source carries on afterwards.
        endpoint.Delay = TimeSpan.FromSeconds(6);
        Thread.Sleep(TimeSpan.FromSeconds(6));
        int before;
        lock (endpoint.Requests) before = endpoint.Requests.Count;
        endpoint.Delay = TimeSpan.Zero;
        endpoint.Body = "after";
        Assert.Equal(["after"], run.Take(1, TimeSpan.FromSeconds(20)));
        lock (endpoint.Requests) Assert.True(endpoint.Requests.Count > before);
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_30_seconds_naming_host_and_port()
    {
        var port = LoopbackHttpServer.UnusedPort();
        using var run = new SourceRun("polling_http", s_value, null, [("endpoint", $"http://127.0.0.1:{port}/poll"), ("format", "raw_string")]);
        var (error, after) = run.Failure(TimeSpan.FromSeconds(30));
        Assert.Contains($"cannot connect to the polling HTTP endpoint 127.0.0.1:{port} (table 'src'): connection refused", Assert.IsType<ExternalException>(error).Message);
        Assert.InRange(after, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
    }
}
