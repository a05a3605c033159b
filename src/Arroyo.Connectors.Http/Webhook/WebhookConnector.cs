using Arroyo.Connectors.Http.Common;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Webhook;

/// <summary>
/// The <c>webhook</c> sink: options as the reference's <c>webhook/table.json</c>: endpoint and
/// headers, both of which may name environment variables (<c>{{ VAR }}</c>); and <c>method</c>,
/// which its docs' example sets, accepted only as POST.
/// </summary>
public sealed class WebhookConnector : HttpConnector
{
    public override string Name => "webhook";

    protected override string Title => "webhook";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(HttpJsonContext.Default).AddDerived<ConnectorConfig, WebhookTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var endpoint = options.RequiredString("endpoint").Trim();
        string substituted;
        try
        {
            substituted = VarStr.Substitute(endpoint, definition.Name, "endpoint");
        }
        catch (UserException e)
        {
            throw new UserException(e.Message, definition.SpanOf("endpoint"));
        }
        // Checked as substituted, but an error shows the text as written: the substituted URL may hold a token.
        if (!Uri.TryCreate(substituted, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw options.Invalid("endpoint", endpoint, "an absolute http or https URL such as https://example.com/api/v1/webhooks");
        }
        var headers = ReadHeaders(options, definition);
        // Not in the reference's table schema, but its docs' example sets method = 'POST': that is what the sink does anyway.
        if (options.String("method") is { } method && !method.Trim().Equals("POST", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"not supported: method = '{method}' on webhook tables; the webhook sink always sends POST requests", definition.SpanOf("method"));
        }
        CheckFormat(definition, format, sink: true);
        return new BoundParts(definition.Columns, new WebhookTableConfig(endpoint, headers), $"WebhookSink<{endpoint}>");
    }

    public override IOperator CreateSink(SinkSpec spec, OperatorContext context)
    {
        var config = (WebhookTableConfig)spec.Table.Config;
        var (endpoint, headers) = Resolve(spec.Table, config.Endpoint, config.Headers);
        return new WebhookSink(spec, context, endpoint, headers);
    }
}
