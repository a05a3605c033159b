using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.TestServers.Http;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The websocket source against a Kestrel websocket endpoint on loopback.</summary>
public sealed class WebsocketSourceTests
{
    private static readonly Field[] s_value = [new("value", DataType.Utf8)];
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Subscribes_reads_messages_and_subscribes_again_after_a_dropped_connection()
    {
        var feed = new WebsocketFeed { RequiredAuthorization = "Token t" };
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/ws"));
        using var run = new SourceRun("websocket", s_value, null,
        [
            ("endpoint", server.WebsocketUrl + "/ws"), ("format", "raw_string"), ("headers", "Authorization: Token t"),
            ("subscription_messages.0", "{\"subscribe\":\"a\"}"), ("subscription_messages.1", "{\"subscribe\":\"b\"}"),
        ]);
        run.Extra(TimeSpan.Zero);
        await feed.WaitForReceivedAsync(2, s_wait);
        Assert.Equal(["{\"subscribe\":\"a\"}", "{\"subscribe\":\"b\"}"], feed.Received);
        await feed.SendAsync("m1", s_wait);
        await feed.SendAsync(new string('x', 200_000), s_wait);
        Assert.Equal(["m1", new string('x', 200_000)], run.Take(2));

        feed.Drop();
        await feed.WaitForReceivedAsync(4, s_wait);
        Assert.Equal(2, feed.Connections);
        await feed.SendAsync("m2", s_wait);
        Assert.Equal(["m2"], run.Take(1));
    }

    [Fact]
    public async Task Only_the_first_subtask_connects_the_others_are_idle()
    {
        var feed = new WebsocketFeed();
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/ws"));
        using var second = new SourceRun("websocket", s_value, null, [("endpoint", server.WebsocketUrl + "/ws"), ("format", "raw_string")], subtask: 1, parallelism: 2);
        var watermarks = new List<Watermark>();
        Assert.Equal(SourceStatus.Idle, second.Source.Poll(new WatermarkOutput(watermarks)));
        Assert.Equal([Watermark.Idle], watermarks);
        Assert.Empty(second.Extra(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(0, feed.Connections);
    }

    [Fact]
    public async Task A_refused_handshake_fails_with_the_status()
    {
        var feed = new WebsocketFeed { RequiredAuthorization = "Token right" };
        await using var server = await LoopbackHttpServer.StartAsync(app => feed.Map(app, "/ws"));
        using var run = new SourceRun("websocket", s_value, null, [("endpoint", server.WebsocketUrl + "/ws"), ("format", "raw_string")]);
        var (error, after) = run.Failure(TimeSpan.FromSeconds(10));
        Assert.Contains($"the websocket endpoint 127.0.0.1:{server.Port} refused the connection of table 'src': the server responded 401", Assert.IsType<ExternalException>(error).Message);
        Assert.True(after < TimeSpan.FromSeconds(5), $"took {after}");
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_30_seconds_naming_host_and_port()
    {
        var port = LoopbackHttpServer.UnusedPort();
        using var run = new SourceRun("websocket", s_value, null, [("endpoint", $"ws://127.0.0.1:{port}/ws"), ("format", "raw_string")]);
        var (error, after) = run.Failure(TimeSpan.FromSeconds(30));
        Assert.Contains($"cannot connect to the websocket endpoint 127.0.0.1:{port} (table 'src'): connection refused", Assert.IsType<ExternalException>(error).Message);
        Assert.InRange(after, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
    }

    private sealed class WatermarkOutput(List<Watermark> watermarks) : IOutput
    {
        public void Emit(Arroyo.Core.Batch batch) => throw new InvalidOperationException("an idle subtask emitted rows");

        public void EmitWatermark(Watermark watermark) => watermarks.Add(watermark);
    }
}
