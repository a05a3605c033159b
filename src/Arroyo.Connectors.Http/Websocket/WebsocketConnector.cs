using Arroyo.Connectors.Http.Common;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Websocket;

/// <summary>
/// The <c>websocket</c> source: options as the reference's <c>websocket/table.json</c>:
/// endpoint, headers, the deprecated single <c>subscription_message</c>, and
/// <c>subscription_messages.0</c>, <c>.1</c>… (read until the first missing index).
/// </summary>
public sealed class WebsocketConnector : HttpConnector
{
    /// <summary>The reference's table schema limits each subscription message to this length.</summary>
    private const int MaxSubscriptionLength = 2048;

    public override string Name => "websocket";

    protected override string Title => "WebSocket";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(HttpJsonContext.Default).AddDerived<ConnectorConfig, WebsocketTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var endpoint = options.RequiredString("endpoint");
        Endpoint.Parse(options, "endpoint", endpoint, "ws", "wss");
        var headers = ReadHeaders(options, definition);
        var messages = new List<string>();
        if (options.String("subscription_message") is { } single)
        {
            if (definition.Options.ContainsKey("subscription_messages.0"))
            {
                throw new UserException("cannot specify both 'subscription_message' and 'subscription_messages.0'", definition.SpanOf("subscription_message"),
                    hint: "subscription_message is deprecated: use subscription_messages.0, subscription_messages.1, …");
            }
            messages.Add(Checked(options, "subscription_message", single));
        }
        for (var i = 0; options.String($"subscription_messages.{i}") is { } message; i++)
        {
            messages.Add(Checked(options, $"subscription_messages.{i}", message));
        }
        var gap = definition.Options.Keys.FirstOrDefault(k => k.StartsWith("subscription_messages.", StringComparison.Ordinal) && options.Unused.Contains(k));
        if (gap is not null)
        {
            throw new UserException($"'{gap}' follows a missing index: subscription_messages are numbered from 0 without gaps (table '{definition.Name}')",
                definition.SpanOf(gap));
        }
        CheckFormat(definition, format, sink: false);
        return new BoundParts(definition.Columns, new WebsocketTableConfig(endpoint.Trim(), headers, messages), $"WebsocketSource<{endpoint.Trim()}>");
    }

    private static string Checked(OptionReader options, string name, string message) =>
        message.Length <= MaxSubscriptionLength ? message : throw options.Invalid(name, message[..40] + "…", $"at most {MaxSubscriptionLength} characters");

    public override ISource CreateSource(SourceSpec spec, OperatorContext context)
    {
        var config = (WebsocketTableConfig)spec.Table.Config;
        var (endpoint, headers) = Resolve(spec.Table, config.Endpoint, config.Headers);
        return new WebsocketSource(spec, context, endpoint, headers);
    }
}
