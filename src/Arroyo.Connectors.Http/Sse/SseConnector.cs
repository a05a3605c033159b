using Arroyo.Connectors.Http.Common;
using Arroyo.Connectors.Options;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Sse;

/// <summary>The <c>sse</c> source (Server-Sent Events): options as the reference's <c>sse/table.json</c>: endpoint, headers, events.</summary>
public sealed class SseConnector : HttpConnector
{
    public override string Name => "sse";

    protected override string Title => "SSE";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(HttpJsonContext.Default).AddDerived<ConnectorConfig, SseTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var endpoint = options.RequiredString("endpoint");
        Endpoint.Parse(options, "endpoint", endpoint, "http", "https");
        var headers = ReadHeaders(options, definition);
        var events = (options.String("events") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        CheckFormat(definition, format, sink: false);
        return new BoundParts(definition.Columns, new SseTableConfig(endpoint.Trim(), headers, events), $"SSESource<{endpoint.Trim()}>");
    }

    public override ISource CreateSource(SourceSpec spec, OperatorContext context)
    {
        var config = (SseTableConfig)spec.Table.Config;
        var (endpoint, headers) = Resolve(spec.Table, config.Endpoint, config.Headers);
        return new SseSource(spec, context, endpoint, headers);
    }
}
