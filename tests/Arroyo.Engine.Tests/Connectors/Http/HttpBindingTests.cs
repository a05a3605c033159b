using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Http.PollingHttp;
using Arroyo.Connectors.Http.Sse;
using Arroyo.Connectors.Http.Webhook;
using Arroyo.Connectors.Http.Websocket;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Planner;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The HTTP family's options, row by row from the reference's table schemas: what binds, what each bad value says.</summary>
public sealed class HttpBindingTests
{
    private static readonly Field[] s_value = [new("value", DataType.Utf8)];

    private static UserException Fails(string connector, params (string Key, string Value)[] options) =>
        Assert.ThrowsAny<UserException>(() => Bind("t", s_value, [("connector", connector), .. options]));

    [Fact]
    public void Sse_binds_endpoint_headers_and_events()
    {
        var table = Bind("s", s_value, ("connector", "sse"), ("endpoint", "https://example.com:8080/sse"), ("format", "raw_string"),
            ("headers", "Authorization: Bearer abc:def, Accept-Language: en"), ("events", "update, delete"));
        Assert.Equal(TableRole.Source, table.Role);
        var config = Assert.IsType<SseTableConfig>(table.Config);
        Assert.Equal(["update", "delete"], config.Events);
        Assert.Equal("SSESource<https://example.com:8080/sse>", table.Description);
        Assert.DoesNotContain("abc", config.ToString());
    }

    [Fact]
    public void Websocket_reads_subscription_messages_in_order_and_refuses_both_forms()
    {
        var table = Bind("w", s_value, ("connector", "websocket"), ("endpoint", "wss://example.com/ws"), ("format", "json"),
            ("subscription_messages.0", "{\"sub\":1}"), ("subscription_messages.1", "{\"sub\":2}"));
        Assert.Equal(["{\"sub\":1}", "{\"sub\":2}"], Assert.IsType<WebsocketTableConfig>(table.Config).SubscriptionMessages);
        var single = Bind("w", s_value, ("connector", "websocket"), ("endpoint", "ws://127.0.0.1:1/ws"), ("format", "json"), ("subscription_message", "hi"));
        Assert.Equal(["hi"], Assert.IsType<WebsocketTableConfig>(single.Config).SubscriptionMessages);

        Assert.Contains("Cannot specify both 'subscription_message' and 'subscription_messages.0'",
            Fails("websocket", ("endpoint", "ws://h/ws"), ("format", "json"), ("subscription_message", "a"), ("subscription_messages.0", "b")).Message,
            StringComparison.OrdinalIgnoreCase);
        Assert.Contains("follows a missing index",
            Fails("websocket", ("endpoint", "ws://h/ws"), ("format", "json"), ("subscription_messages.1", "b")).Message);
        Assert.Contains("at most 2048 characters",
            Fails("websocket", ("endpoint", "ws://h/ws"), ("format", "json"), ("subscription_messages.0", new string('x', 2049))).Message);
        Assert.Contains("absolute ws or wss URL", Fails("websocket", ("endpoint", "http://h/ws"), ("format", "json")).Message);
    }

    [Fact]
    public void Polling_http_has_the_reference_defaults_and_choices()
    {
        var table = Bind("p", s_value, ("connector", "polling_http"), ("endpoint", "http://127.0.0.1:9/rates"), ("format", "json"));
        var config = Assert.IsType<PollingHttpTableConfig>(table.Config);
        Assert.Equal(("GET", 1000L, false, (string?)null), (config.Method, config.PollIntervalMillis, config.ChangedOnly, config.Body));

        var post = Bind("p", s_value, ("connector", "polling_http"), ("endpoint", "http://h/q"), ("format", "json"), ("method", "POST"),
            ("body", "{\"q\":1}"), ("poll_interval_ms", "250"), ("emit_behavior", "changed"));
        var posted = Assert.IsType<PollingHttpTableConfig>(post.Config);
        Assert.Equal(("POST", 250L, true, "{\"q\":1}"), (posted.Method, posted.PollIntervalMillis, posted.ChangedOnly, posted.Body));

        Assert.Contains("expected one of 'get', 'post', 'put', 'patch'", Fails("polling_http", ("endpoint", "http://h/"), ("format", "json"), ("method", "DELETE")).Message);
        Assert.Contains("Did you mean 'changed'?", Fails("polling_http", ("endpoint", "http://h/"), ("format", "json"), ("emit_behavior", "change")).Message);
        Assert.Contains("a positive number of milliseconds", Fails("polling_http", ("endpoint", "http://h/"), ("format", "json"), ("poll_interval_ms", "0")).Message);
        Assert.Contains("expected integer", Fails("polling_http", ("endpoint", "http://h/"), ("format", "json"), ("poll_interval_ms", "1s")).Message);
    }

    [Fact]
    public void Webhook_is_a_sink_whose_endpoint_may_name_environment_variables()
    {
        Environment.SetEnvironmentVariable("ARROYO_TEST_HOOK_TOKEN", "s3cret");
        var table = Bind("h", s_value, ("connector", "webhook"), ("endpoint", "http://127.0.0.1:9/hook?token={{ ARROYO_TEST_HOOK_TOKEN }}"),
            ("format", "json"), ("headers", "Authorization: Bearer {{ARROYO_TEST_HOOK_TOKEN}}"));
        Assert.Equal(TableRole.Sink, table.Role);
        var config = Assert.IsType<WebhookTableConfig>(table.Config);
        // Kept as written: the plan (and its JSON) holds no secret taken from the environment.
        Assert.Contains("{{ ARROYO_TEST_HOOK_TOKEN }}", config.Endpoint);
        Assert.DoesNotContain("s3cret", table.Description);

        var missing = Fails("webhook", ("endpoint", "http://h/{{ARROYO_TEST_NOT_SET_ANYWHERE}}"), ("format", "json"));
        Assert.Contains("environment variable ARROYO_TEST_NOT_SET_ANYWHERE is not set", missing.Message);
        Assert.Contains("cannot be used as a source", Fails("webhook", ("endpoint", "http://h/"), ("format", "json"), ("type", "source")).Message);
        Bind("h", s_value, ("connector", "webhook"), ("endpoint", "http://h/"), ("format", "json"), ("method", "POST"));
        Assert.Contains("not supported: method = 'PUT' on webhook tables", Fails("webhook", ("endpoint", "http://h/"), ("format", "json"), ("method", "PUT")).Message);
        Assert.Contains("not supported: the raw_bytes format on webhook tables", Fails("webhook", ("endpoint", "http://h/"), ("format", "raw_bytes")).Message);
    }

    [Theory]
    [InlineData("sse", "http://h/")]
    [InlineData("websocket", "ws://h/")]
    [InlineData("polling_http", "http://h/")]
    [InlineData("webhook", "http://h/")]
    public void Every_connector_refuses_bad_options_clearly(string connector, string endpoint)
    {
        Assert.Contains($"the {connector} connector requires the option 'endpoint'", Fails(connector, ("format", "json")).Message);
        Assert.Contains("Did you mean 'headers'?", Fails(connector, ("endpoint", endpoint), ("format", "json"), ("header", "a: b")).Message);
        Assert.Contains("'format' must be set", Fails(connector, ("endpoint", endpoint)).Message);
        Assert.Contains("not supported: the avro format", Fails(connector, ("endpoint", endpoint), ("format", "avro")).Message);
        Assert.Contains("invalid format for headers", Fails(connector, ("endpoint", endpoint), ("format", "json"), ("headers", "no colon here")).Message);
        Assert.Contains("invalid value 'not a url' for option 'endpoint'", Fails(connector, ("endpoint", "not a url"), ("format", "json")).Message);

        var metadata = Table("t", s_value, ("connector", connector), ("endpoint", endpoint), ("format", "json"))
            with { MetadataColumns = [new MetadataColumn(new Field("k", DataType.Utf8), "key")] };
        Assert.Contains($"the {connector} connector has no metadata fields", Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(metadata)).Hint);
    }

    [Fact]
    public void Plans_with_every_http_table_serialise_to_json_and_back()
    {
        var query = """
            CREATE TABLE s (value TEXT) WITH (connector = 'sse', endpoint = 'http://127.0.0.1:9/e', format = 'raw_string', events = 'a,b');
            CREATE TABLE w (value TEXT) WITH (connector = 'websocket', endpoint = 'ws://127.0.0.1:9/w', format = 'raw_string', 'subscription_messages.0' = 'x');
            CREATE TABLE p (value TEXT) WITH (connector = 'polling_http', endpoint = 'http://127.0.0.1:9/p', format = 'raw_string', emit_behavior = 'changed');
            CREATE TABLE h (value TEXT) WITH (connector = 'webhook', endpoint = 'http://127.0.0.1:9/h', format = 'json');
            INSERT INTO h SELECT value FROM s;
            INSERT INTO h SELECT value FROM w;
            INSERT INTO h SELECT value FROM p;
            """;
        var plan = PipelinePlanner.Plan(query, new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = 1 });
        var json = plan.ToJson();
        var readBack = plan.Json.DeserializeGraph(json);
        Assert.Equal(json, plan.Json.Serialize(readBack));
        foreach (var kind in new[] { "sse", "websocket", "polling_http", "webhook" }) Assert.Contains($"\"$kind\":\"{kind}\"", json);
    }
}
