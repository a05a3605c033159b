using Arroyo.Engine.Tests.Connectors.Contract;
using Arroyo.TestServers.Http;

namespace Arroyo.Engine.Tests.Connectors.Http;

// The connector contract for the HTTP family. Their sources run until stopped (an endpoint
// never ends), so the bounded-source part does not apply; their restores are tested against
// loopback servers here and through the CLI with kill -9 in Arroyo.EndToEnd.Tests/Http.

public sealed class SseContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (value TEXT) WITH (connector = 'sse', endpoint = 'http://127.0.0.1:9/e', format = 'raw_string', evnets = 'a')";

    protected override (string Written, string Meant) MisspelledOption => ("evnets", "events");
}

public sealed class WebsocketContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (value TEXT) WITH (connector = 'websocket', endpoint = 'ws://127.0.0.1:9/w', format = 'raw_string', subscription_mesage = 'hi')";

    protected override (string Written, string Meant) MisspelledOption => ("subscription_mesage", "subscription_message");
}

public sealed class PollingHttpContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (value TEXT) WITH (connector = 'polling_http', endpoint = 'http://127.0.0.1:9/p', format = 'raw_string', emit_behaviour = 'changed')";

    protected override (string Written, string Meant) MisspelledOption => ("emit_behaviour", "emit_behavior");
}

/// <summary>The webhook sink delivers each row once across a stop (whose final checkpoint waits for every request) and a restore.</summary>
public sealed class WebhookContractTests : ConnectorContractTests, IAsyncLifetime
{
    private readonly WebhookInbox _inbox = new() { FailFirst = 2 };
    private LoopbackHttpServer? _server;

    public async ValueTask InitializeAsync() => _server = await LoopbackHttpServer.StartAsync(app => _inbox.Map(app, "/hook"));

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (value TEXT) WITH (connector = 'webhook', endpoint = 'http://127.0.0.1:9/h', format = 'json', header = 'A: b')";

    protected override (string Written, string Meant) MisspelledOption => ("header", "headers");

    protected override string SinkTable(string dir) =>
        $"CREATE TABLE out (counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED) WITH (connector = 'webhook', endpoint = '{_server!.Url}/hook', format = 'json')";

    protected override IReadOnlyList<string> SinkOutput(string dir) => _inbox.Bodies;
}
