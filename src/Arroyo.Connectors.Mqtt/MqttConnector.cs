using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Mqtt;

/// <summary>
/// The <c>mqtt</c> connector: a source subscribing to a topic (filter) and a sink publishing to
/// a topic. Options, defaults and the <c>topic</c> metadata field follow the reference's mqtt
/// connector: <c>url</c>, <c>topic</c>, <c>qos</c> (AtMostOnce, AtLeastOnce, ExactlyOnce),
/// <c>client_prefix</c>, <c>username</c>, <c>password</c>, <c>tls.ca</c>, <c>tls.cert</c>,
/// <c>tls.key</c>, <c>max_packet_size</c>, <c>sink.retain</c>.
/// </summary>
public sealed class MqttConnector : ConnectorBase, IConnectorRuntime
{
    public const string ConnectorName = "mqtt";

    private static readonly string[] s_qos = ["AtMostOnce", "AtLeastOnce", "ExactlyOnce"];
    private static readonly Dictionary<string, DataType> s_metadata = new() { ["topic"] = DataType.Utf8 };

    public override string Name => ConnectorName;

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    protected override IReadOnlyDictionary<string, DataType> MetadataKeys => s_metadata;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(MqttJsonContext.Default).AddDerived<ConnectorConfig, MqttTableConfig>(ConnectorName);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var url = options.RequiredString("url").Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("tcp" or "mqtt" or "ssl" or "mqtts") || uri.Host.Length == 0)
        {
            throw new UserException(
                $"invalid url '{url}' for table '{definition.Name}': must be prefixed with one of `tcp://`, `mqtt://`, `ssl://`, `mqtts://` and name a host, e.g. tcp://localhost:1883",
                definition.SpanOf("url"));
        }
        var tls = uri.Scheme is "ssl" or "mqtts";
        var username = options.String("username") is { } user ? VarStr.Substitute(user, definition) : null;
        var password = options.String("password") is { } secret ? VarStr.Substitute(secret, definition) : null;
        var ca = options.String("tls.ca") is { } c ? VarStr.Substitute(c, definition) : null;
        var cert = options.String("tls.cert") is { } ce ? VarStr.Substitute(ce, definition) : null;
        var key = options.String("tls.key") is { } k ? VarStr.Substitute(k, definition) : null;
        var maxPacket = options.Long("max_packet_size");
        if (maxPacket is < 0 or > uint.MaxValue)
        {
            throw new UserException($"max_packet_size must be <= {uint.MaxValue}", definition.SpanOf("max_packet_size"));
        }
        var qos = MqttQos.AtMostOnce;
        if (options.String("qos") is { } qosText)
        {
            var index = Array.IndexOf(s_qos, qosText.Trim());
            if (index < 0)
            {
                throw new UserException($"invalid value for 'qos': {qosText}; expected one of 'AtMostOnce', 'AtLeastOnce', 'ExactlyOnce'." +
                                        Suggestions.DidYouMean(qosText.Trim(), s_qos), definition.SpanOf("qos"));
            }
            qos = (MqttQos)index;
        }
        var topic = options.RequiredString("topic");
        var retainText = options.String("sink.retain");
        bool retain = false;
        switch (role)
        {
            case TableRole.Source:
                if (retainText is not null)
                {
                    throw new UserException($"'sink.retain' is an option of sink tables, but '{definition.Name}' is a source", definition.SpanOf("sink.retain"));
                }
                break;
            case TableRole.Sink:
                if (retainText is not null && !bool.TryParse(retainText.Trim(), out retain))
                {
                    throw new UserException("'sink.retain' must be either 'true' or 'false'", definition.SpanOf("sink.retain"));
                }
                if (definition.MetadataColumns.Count > 0)
                {
                    throw new UserException($"metadata fields can only be read by an mqtt source, not written by the sink '{definition.Name}'", definition.Span);
                }
                if (topic.Contains('#') || topic.Contains('+'))
                {
                    throw new UserException($"the topic of mqtt sink '{definition.Name}' may not contain the wildcards # or +", definition.SpanOf("topic"));
                }
                break;
            default:
                throw new UserException($"type must be one of 'source' or 'sink' (table '{definition.Name}', connector mqtt)",
                    definition.SpanOf("type"), hint: "add type = 'source' or type = 'sink' to the WITH clause");
        }
        if (format is not null && format.Kind is not (FormatKind.Json or FormatKind.RawString or FormatKind.RawBytes or FormatKind.DebeziumJson))
        {
            throw new UserException($"not supported: the {format.Name} format on mqtt tables (supported: json, debezium_json, raw_string, raw_bytes)", definition.SpanOf("format"));
        }
        if ((cert is null) != (key is null))
        {
            throw new UserException($"tls.cert and tls.key must be given together (table '{definition.Name}')", definition.SpanOf(cert is null ? "tls.key" : "tls.cert"));
        }
        var config = new MqttTableConfig
        {
            Url = url,
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? 8883 : 1883) : uri.Port,
            Tls = tls,
            Topic = topic,
            Qos = qos,
            ClientPrefix = options.String("client_prefix") ?? "arroyo-mqtt",
            Username = username,
            Password = password,
            TlsCa = tls ? ca : null,
            TlsCert = tls ? cert : null,
            TlsKey = tls ? key : null,
            MaxPacketSize = maxPacket is { } m ? (uint)m : null,
            Retain = retain,
        };
        var description = role == TableRole.Source ? $"MqttSource<{topic}>" : $"MqttSink<{topic}>";
        return new BoundParts(definition.Columns, config, description);
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) => new MqttSource(spec, context);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new MqttSink(spec, context);
}
