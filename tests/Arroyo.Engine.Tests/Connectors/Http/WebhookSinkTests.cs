using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.TestServers.Http;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The webhook sink against a Kestrel receiver on loopback: one POST per record, retries, in-flight limit, barriers wait for delivery.</summary>
public sealed class WebhookSinkTests
{
    private static readonly Field[] s_columns = [new("id", DataType.Int64), new("name", DataType.Utf8)];

    private static IOperator Sink(string endpoint, params (string Key, string Value)[] more)
    {
        var table = Bind("hook", s_columns, [("connector", "webhook"), ("endpoint", endpoint), ("format", "json"), .. more]);
        var context = Context();
        var sink = BuiltIns.Connectors().RuntimeOf("webhook").CreateSink(new SinkSpec(table, SchemaOf(s_columns)), context);
        sink.Open(context);
        return sink;
    }

    private static Batch Rows(int from, int count)
    {
        var ids = Enumerable.Range(from, count).Select(i => (long)i).ToArray();
        return new Batch(SchemaOf(s_columns),
        [
            new PrimitiveColumn<long>(DataType.Int64, ids),
            StringColumn.FromStrings(ids.Select(i => (string?)$"n{i}").ToList()),
            new PrimitiveColumn<long>(DataType.Timestamp, new long[count]),
        ], count);
    }

    private static void Checkpoint(IOperator sink) => sink.OnCheckpoint(new CheckpointBarrier(1, false), new MemoryState(), new CollectingOutput());

    [Fact]
    public async Task Every_record_is_posted_once_and_a_barrier_waits_for_all_of_them_through_server_errors()
    {
        var inbox = new WebhookInbox { FailFirst = 5, RequiredAuthorization = "Basic c2VjcmV0" };
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        var sink = Sink(server.Url + "/hook", ("headers", "Authorization: Basic c2VjcmV0,Content-Type: application/json"));
        sink.OnBatch(Rows(0, 30), 0, new CollectingOutput());
        sink.OnBatch(Rows(30, 10), 0, new CollectingOutput());
        Checkpoint(sink);
        // Nothing in flight after the barrier: all 40 arrived, the 5 refused ones retried.
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}").Order(), inbox.Bodies.Order());
        Assert.Equal(45, inbox.Requests);
        Assert.Equal("application/json", inbox.LastContentType);
        sink.Close();
    }

    [Fact]
    public async Task A_slow_endpoint_gets_at_most_50_requests_at_once()
    {
        var inbox = new WebhookInbox { Delay = TimeSpan.FromMilliseconds(300) };
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        var sink = Sink(server.Url + "/hook");
        sink.OnBatch(Rows(0, 120), 0, new CollectingOutput());
        sink.OnEnd(new CollectingOutput());
        Assert.Equal(120, inbox.Bodies.Count);
        Assert.InRange(inbox.MaxConcurrent, 2, 50);
        sink.Close();
    }

    [Fact]
    public async Task A_refused_record_fails_the_run_naming_the_status_not_the_credentials()
    {
        var inbox = new WebhookInbox { RequiredAuthorization = "Bearer right" };
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        var sink = Sink(server.Url + "/hook", ("headers", "Authorization: Bearer wrong-token"));
        sink.OnBatch(Rows(0, 3), 0, new CollectingOutput());
        var error = Assert.Throws<ExternalException>(() => Checkpoint(sink));
        Assert.Contains($"the webhook endpoint 127.0.0.1:{server.Port} refused a record of table 'hook': the server responded 401", error.Message);
        Assert.Contains("check the credentials", error.Message);
        Assert.DoesNotContain("wrong-token", error.Message);
        sink.Close();
    }

    [Fact]
    public async Task A_receiver_that_goes_away_after_the_first_delivery_is_waited_for()
    {
        var inbox = new WebhookInbox();
        await using var server = await LoopbackHttpServer.StartAsync(app => inbox.Map(app, "/hook"));
        var sink = Sink(server.Url + "/hook");
        sink.OnBatch(Rows(0, 1), 0, new CollectingOutput());
        Checkpoint(sink);
        await server.StopAsync();
        sink.OnBatch(Rows(1, 5), 0, new CollectingOutput());
        var barrier = Task.Run(() => Checkpoint(sink));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(barrier.IsCompleted);
        await server.RestartAsync();
        await barrier.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(6, inbox.Bodies.Distinct().Count());
        sink.Close();
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_30_seconds_naming_host_and_port()
    {
        var port = LoopbackHttpServer.UnusedPort();
        var sink = Sink($"http://127.0.0.1:{port}/hook");
        sink.OnBatch(Rows(0, 2), 0, new CollectingOutput());
        var started = DateTime.UtcNow;
        var error = Assert.Throws<ExternalException>(() => Checkpoint(sink));
        Assert.Contains($"cannot reach the webhook endpoint 127.0.0.1:{port} (table 'hook'): connection refused", error.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
        sink.Close();
    }
}
