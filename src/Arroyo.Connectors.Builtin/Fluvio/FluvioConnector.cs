using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Fluvio;

/// <summary>
/// The reference's <c>fluvio</c> connector, by name and options (crates/arroyo-connectors/src/fluvio):
/// every option is validated, then the table is refused when planning (no plan holds one), because this build
/// has no Fluvio client (no .NET client exists, and no Fluvio server installs here to test one
/// against).
/// </summary>
public sealed class FluvioConnector : ConnectorBase
{
    private static readonly string[] s_offsets = ["earliest", "latest"];

    public override string Name => "fluvio";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var endpoint = options.String("endpoint");
        var topic = options.RequiredString("topic");
        role = RequireSourceOrSink(role, definition);
        var offset = role == TableRole.Source ? options.Choice("source.offset", s_offsets) ?? "latest" : "latest";
        // Options are checked first, so a mistake is reported as such rather than hidden behind this;
        // the shared ones ConnectorBase reads after this method are accepted here for that check.
        options.Accept("event_time_field", "watermark_field", "idle_micros", "idle_time", "lookup.cache.max_bytes", "lookup.cache.ttl");
        options.EnsureAllUsed();
        throw new UserException(
            $"the fluvio connector is not supported in this build (table '{definition.Name}', topic '{topic}'{(endpoint is null ? "" : $", endpoint '{endpoint}'")}, source.offset '{offset}')",
            definition.SpanOf("connector"),
            hint: "read the topic through a connector this build runs, such as kafka");
    }
}
