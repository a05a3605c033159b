using Arroyo.Connectors.Http.Common;
using Arroyo.Connectors.Options;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.PollingHttp;

/// <summary>
/// The <c>polling_http</c> source: options as the reference's <c>polling_http/table.json</c>:
/// endpoint, headers, method (GET, POST, PUT, PATCH; default GET), body, poll_interval_ms
/// (default 1000), emit_behavior (all, changed; default all).
/// </summary>
public sealed class PollingHttpConnector : HttpConnector
{
    private const long DefaultPollIntervalMillis = 1000;
    private static readonly string[] s_methods = ["get", "post", "put", "patch"];
    private static readonly string[] s_emitBehaviors = ["all", "changed"];

    public override string Name => "polling_http";

    protected override string Title => "polling HTTP";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(HttpJsonContext.Default).AddDerived<ConnectorConfig, PollingHttpTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var endpoint = options.RequiredString("endpoint");
        Endpoint.Parse(options, "endpoint", endpoint, "http", "https");
        var headers = ReadHeaders(options, definition);
        var method = (options.Choice("method", s_methods) ?? "get").ToUpperInvariant();
        var body = options.String("body");
        var interval = options.Long("poll_interval_ms") ?? DefaultPollIntervalMillis;
        if (interval <= 0) throw options.Invalid("poll_interval_ms", interval.ToString(System.Globalization.CultureInfo.InvariantCulture), "a positive number of milliseconds");
        var changed = options.Choice("emit_behavior", s_emitBehaviors) == "changed";
        CheckFormat(definition, format, sink: false);
        var config = new PollingHttpTableConfig(endpoint.Trim(), headers, method, body, interval, changed);
        return new BoundParts(definition.Columns, config, $"PollingHTTPSource<{endpoint.Trim()}>");
    }

    public override ISource CreateSource(SourceSpec spec, OperatorContext context)
    {
        var config = (PollingHttpTableConfig)spec.Table.Config;
        var (endpoint, headers) = Resolve(spec.Table, config.Endpoint, config.Headers);
        return new PollingHttpSource(spec, context, endpoint, headers);
    }
}
