using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.TestServers.Http;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The sse source against a Kestrel event stream on loopback.</summary>
public sealed class SseSourceTests
{
    private static readonly Field[] s_value = [new("value", DataType.Utf8)];

    private static (string, string)[] Options(LoopbackHttpServer server, params (string, string)[] more) =>
        [("endpoint", server.Url + "/events"), ("format", "raw_string"), .. more];

    [Fact]
    public async Task Keeps_the_chosen_events_and_resumes_after_the_checkpointed_id()
    {
        var feed = new SseFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        feed.Add("update", "u1");
        feed.Add("ping", "p1");
        feed.Add("update", "u2\nsecond line");
        Arroyo.Engine.Tests.Connectors.ConnectorTestKit.MemoryState state;
        using (var run = new SourceRun("sse", s_value, null, Options(server, ("events", "update"))))
        {
            Assert.Equal(["u1", "u2\nsecond line"], run.Take(2));
            state = run.Checkpoint();
        }
        feed.Add("ping", "p2");
        feed.Add("update", "u3");
        using (var run = new SourceRun("sse", s_value, state.ReaderFor(0, 1), Options(server, ("events", "update"))))
        {
            Assert.Equal(["u3"], run.Take(1));
            Assert.Empty(run.Extra(TimeSpan.FromMilliseconds(200)));
        }
        Assert.Equal([null, "3"], feed.LastEventIds);
    }

    [Fact]
    public async Task Reconnects_after_server_errors_and_dropped_streams_without_loss_or_duplicates()
    {
        var feed = new SseFeed { FailFirst = 2, DropAfter = 2 };
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        for (var i = 1; i <= 5; i++) feed.Add("message", $"e{i}");
        using var run = new SourceRun("sse", s_value, null, Options(server));
        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], run.Take(5));
        // Two 500s, then streams of two events each, every reconnect carrying the last id received.
        Assert.Equal([null, null, null, "2", "4"], feed.LastEventIds.Take(5));
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_on_after_10_seconds_and_asked_again()
    {
        var feed = new SseFeed { StallFirst = 1 };
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        feed.Add("message", "e1");
        using var run = new SourceRun("sse", s_value, null, Options(server));
        Assert.Equal(["e1"], run.Take(1, TimeSpan.FromSeconds(25)));
        Assert.Equal([null, null], feed.LastEventIds);
    }

    [Fact]
    public async Task A_server_that_goes_away_mid_run_is_waited_for()
    {
        var feed = new SseFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        feed.Add("message", "before");
        using var run = new SourceRun("sse", s_value, null, Options(server));
        Assert.Equal(["before"], run.Take(1));
        await server.StopAsync();
        Assert.Empty(run.Extra(TimeSpan.FromSeconds(1)));
        feed.Add("message", "after");
        await server.RestartAsync();
        Assert.Equal(["after"], run.Take(1));
        Assert.Equal("1", feed.LastEventIds[^1]);
    }

    [Fact]
    public async Task Bad_credentials_fail_at_once_naming_the_status_without_the_secret()
    {
        var feed = new SseFeed { RequiredAuthorization = "Bearer right" };
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        using var run = new SourceRun("sse", s_value, null, Options(server, ("headers", "Authorization: Bearer wrong-secret")));
        var (error, after) = run.Failure(TimeSpan.FromSeconds(10));
        var external = Assert.IsType<ExternalException>(error);
        Assert.Contains($"the SSE endpoint 127.0.0.1:{server.Port} refused the connection of table 'src': the server responded 401", external.Message);
        Assert.Contains("check the credentials", external.Message);
        Assert.DoesNotContain("wrong-secret", external.Message);
        Assert.True(after < TimeSpan.FromSeconds(5), $"took {after}");
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_30_seconds_naming_host_and_port()
    {
        var port = LoopbackHttpServer.UnusedPort();
        using var run = new SourceRun("sse", s_value, null, [("endpoint", $"http://127.0.0.1:{port}/events"), ("format", "raw_string")]);
        var (error, after) = run.Failure(TimeSpan.FromSeconds(30));
        Assert.Contains($"cannot connect to the SSE endpoint 127.0.0.1:{port} (table 'src'): connection refused", Assert.IsType<ExternalException>(error).Message);
        Assert.InRange(after, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Bad_records_fail_with_the_endpoint_or_are_dropped()
    {
        var feed = new SseFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/events"));
        feed.Add("message", "{\"id\":1}");
        feed.Add("message", "not json");
        feed.Add("message", "{\"id\":3}");
        Field[] id = [new("id", DataType.Int64)];
        using (var dropping = new SourceRun("sse", id, null, [("endpoint", server.Url + "/events"), ("format", "json"), ("bad_data", "drop")]))
        {
            Assert.Equal(["1", "3"], dropping.Take(2));
        }
        using var failing = new SourceRun("sse", id, null, [("endpoint", server.Url + "/events"), ("format", "json")]);
        var (error, _) = failing.Failure(TimeSpan.FromSeconds(10));
        Assert.Contains($"bad data from the SSE endpoint 127.0.0.1:{server.Port} (table 'src')", error.Message);
    }
}
