using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// The <c>kafka</c> connector and, with Confluent Cloud's connection options, the
/// <c>confluent</c> one: option names, defaults and metadata fields as the reference's
/// kafka table and connection schemas define them.
/// </summary>
public sealed class KafkaConnector : ConnectorBase, IConnectorRuntime
{
    /// <summary>Both kafka and confluent tables carry a <see cref="KafkaTableConfig"/>, written with the kind <c>kafka</c>.</summary>
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(KafkaJsonContext.Default).AddDerived<ConnectorConfig, KafkaTableConfig>("kafka");

    private static readonly string[] s_auth = ["none", "sasl", "aws_msk_iam"];
    private static readonly string[] s_offsets = ["latest", "earliest", "group"];
    private static readonly string[] s_readModes = ["read_uncommitted", "read_committed"];
    private static readonly string[] s_commitModes = ["at_least_once", "exactly_once"];

    private static readonly Dictionary<string, DataType> s_metadata = new()
    {
        ["offset_id"] = DataType.Int64,
        ["partition"] = DataType.Int32,
        ["topic"] = DataType.Utf8,
        ["timestamp"] = DataType.Int64,
        ["key"] = DataType.Binary,
    };

    private readonly bool _confluent;

    private KafkaConnector(bool confluent)
    {
        _confluent = confluent;
    }

    public static KafkaConnector Kafka { get; } = new(confluent: false);

    public static KafkaConnector Confluent { get; } = new(confluent: true);

    public override string Name => _confluent ? "confluent" : "kafka";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    protected override IReadOnlyDictionary<string, DataType> MetadataKeys => s_metadata;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var clientConfigs = new Dictionary<string, string>(StringComparer.Ordinal);
        var bootstrap = options.RequiredString("bootstrap_servers").Trim();
        if (_confluent) ReadConfluentConnection(options, clientConfigs);
        else ReadConnection(options, definition, clientConfigs);
        var registry = ReadSchemaRegistry(options, definition);
        var topic = options.RequiredString("topic");
        if (role is not (TableRole.Source or TableRole.Sink))
        {
            throw new UserException($"type must be one of 'source' or 'sink' (table '{definition.Name}', connector {Name})",
                definition.SpanOf("type"), hint: "add type = 'source' or type = 'sink' to the WITH clause");
        }
        CheckFormat(definition, format, role.Value, registry.Endpoint);

        var config = new KafkaTableConfig(Name, bootstrap, topic)
        {
            ValueSubject = options.String("value.subject"),
            SchemaRegistryEndpoint = registry.Endpoint,
            SchemaRegistryApiKey = registry.Key,
            SchemaRegistryApiSecret = registry.Secret,
        };
        if (role == TableRole.Source)
        {
            config = config with
            {
                StartOffset = options.Choice("source.offset", s_offsets) switch
                {
                    "earliest" => KafkaStartOffset.Earliest,
                    "group" => KafkaStartOffset.Group,
                    _ => KafkaStartOffset.Latest,
                },
                ReadCommitted = options.Choice("source.read_mode", s_readModes) == "read_committed",
                GroupId = options.String("source.group_id"),
                GroupIdPrefix = options.String("source.group_id_prefix"),
            };
        }
        else
        {
            config = config with
            {
                ExactlyOnce = options.Choice("sink.commit_mode", s_commitModes) == "exactly_once",
                KeyField = options.String("sink.key_field"),
                TimestampField = options.String("sink.timestamp_field"),
            };
            if (definition.MetadataColumns.Count > 0)
            {
                throw new UserException($"metadata fields can only be read by a kafka source, not written by the sink '{definition.Name}'", definition.Span);
            }
        }
        // Options of the other role are refused, as the reference's table schema has one role's options only.
        RefuseOtherRole(options, definition, role.Value);
        if (options.String("client_configs") is { } text)
        {
            foreach (var (key, value) in ParseClientConfigs(text, options)) clientConfigs[key] = value;
        }
        config = config with { ClientConfigs = clientConfigs };
        var description = $"Kafka{(role == TableRole.Source ? "Source" : "Sink")}<{topic}>";
        return new BoundParts(definition.Columns, config, description);
    }

    private static void ReadConnection(OptionReader options, TableDefinition definition, Dictionary<string, string> clientConfigs)
    {
        switch (options.Choice("auth.type", s_auth))
        {
            case "sasl":
                clientConfigs["sasl.mechanism"] = options.RequiredString("auth.mechanism");
                clientConfigs["security.protocol"] = options.RequiredString("auth.protocol");
                clientConfigs["sasl.username"] = Environment(options.RequiredString("auth.username"), definition);
                clientConfigs["sasl.password"] = Environment(options.RequiredString("auth.password"), definition);
                break;
            case "aws_msk_iam":
                options.RequiredString("auth.region");
                throw new UserException("not supported: auth.type = 'aws_msk_iam' (AWS MSK IAM authentication) is not supported by this engine",
                    definition.SpanOf("auth.type"), hint: "use auth.type = 'sasl' with SCRAM credentials, or 'none'");
            default:
                options.Accept("auth.mechanism", "auth.protocol", "auth.username", "auth.password", "auth.region");
                foreach (var name in new[] { "auth.mechanism", "auth.protocol", "auth.username", "auth.password", "auth.region" })
                {
                    if (options.Has(name))
                    {
                        throw new UserException($"'{name}' needs auth.type = 'sasl' (table '{definition.Name}')", definition.SpanOf(name));
                    }
                }
                break;
        }
    }

    /// <summary>Confluent Cloud: SASL_SSL with PLAIN and the cluster API key and secret.</summary>
    private static void ReadConfluentConnection(OptionReader options, Dictionary<string, string> clientConfigs)
    {
        clientConfigs["security.protocol"] = "SASL_SSL";
        clientConfigs["sasl.mechanism"] = "PLAIN";
        clientConfigs["sasl.username"] = Environment(options.RequiredString("key"), options.Definition);
        clientConfigs["sasl.password"] = Environment(options.RequiredString("secret"), options.Definition);
    }

    private (string? Endpoint, string? Key, string? Secret) ReadSchemaRegistry(OptionReader options, TableDefinition definition)
    {
        var endpoint = options.String("schema_registry.endpoint");
        var key = options.String("schema_registry.api_key");
        var secret = options.String("schema_registry.api_secret");
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw options.Invalid("schema_registry.endpoint", endpoint, "a URL such as http://localhost:8081");
        }
        // Confluent Cloud's registry always needs its key and secret.
        if (_confluent && endpoint is not null)
        {
            key ??= options.RequiredString("schema_registry.api_key");
            secret ??= options.RequiredString("schema_registry.api_secret");
        }
        return (endpoint, key is null ? null : Environment(key, definition), secret is null ? null : Environment(secret, definition));
    }

    private static void RefuseOtherRole(OptionReader options, TableDefinition definition, TableRole role)
    {
        string[] other = role == TableRole.Source
            ? ["sink.commit_mode", "sink.key_field", "sink.timestamp_field"]
            : ["source.offset", "source.read_mode", "source.group_id", "source.group_id_prefix"];
        foreach (var name in other)
        {
            options.Accept(name);
            if (definition.Options.ContainsKey(name))
            {
                throw new UserException($"'{name}' is an option of {(role == TableRole.Source ? "sink" : "source")} tables, but '{definition.Name}' is a {(role == TableRole.Source ? "source" : "sink")}",
                    definition.SpanOf(name));
            }
        }
    }

    private static void CheckFormat(TableDefinition definition, FormatSettings? format, TableRole role, string? registry)
    {
        if (format is null) return;
        switch (format.Kind)
        {
            case FormatKind.Json or FormatKind.DebeziumJson or FormatKind.RawString or FormatKind.RawBytes:
                if (format.ConfluentSchemaRegistry)
                {
                    throw new UserException("not supported: json.confluent_schema_registry on kafka tables", definition.SpanOf("json.confluent_schema_registry"));
                }
                return;
            case FormatKind.Avro:
                if (format.AvroConfluentSchemaRegistry && registry is null)
                {
                    throw new UserException("avro.confluent_schema_registry needs schema_registry.endpoint", definition.SpanOf("avro.confluent_schema_registry"));
                }
                if (role == TableRole.Source && !format.AvroConfluentSchemaRegistry && format.AvroRawDatums && registry is null && definition.Columns.Count == 0)
                {
                    throw new UserException("avro.raw_datums needs the columns in the table or schema_registry.endpoint to read the schema from", definition.Span);
                }
                return;
            case FormatKind.Protobuf:
                // The reference's own planner refuses it the same way: protobuf schemas only reach it through its API's connection tables.
                throw new UserException("not supported: format = 'protobuf' in CREATE TABLE (as in the reference, a protobuf schema cannot be given in SQL)",
                    definition.SpanOf("format"), hint: "write the messages as json or avro, or convert them before they reach the topic");
            default:
                throw new UserException($"not supported: the {format.Name} format on kafka tables (supported: json, debezium_json, raw_string, raw_bytes, avro)",
                    definition.SpanOf("format"));
        }
    }

    /// <summary><c>client_configs</c>: comma-separated <c>key=value</c> pairs, as the reference parses them.</summary>
    internal static IEnumerable<(string Key, string Value)> ParseClientConfigs(string text, OptionReader options)
    {
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new UserException("invalid client_config: expected comma and equals-separated pairs (e.g. 'fetch.max.bytes=1048576,linger.ms=5')",
                    options.Definition.SpanOf("client_configs"));
            }
            yield return (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
        }
    }

    /// <summary>As the reference's VarStr: <c>{{ NAME }}</c> is replaced by the environment variable NAME.</summary>
    private static string Environment(string value, TableDefinition definition) => VarStr.Substitute(value, definition);

    public ISource CreateSource(SourceSpec spec, OperatorContext context) => new KafkaSource(spec, context);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new KafkaSink(spec, context);
}
