using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Serialization;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Redis;

/// <summary>
/// The <c>redis</c> connector: a sink (string, list or hash targets) and lookup tables for
/// lookup joins. Option names, defaults and the <c>key</c> metadata field follow the
/// reference's redis connector (connection: <c>address</c> or <c>cluster.addresses</c>,
/// <c>username</c>, <c>password</c>; table: <c>target</c> and its <c>target.*</c> options).
/// </summary>
public sealed class RedisConnector : ConnectorBase, IConnectorRuntime
{
    public const string ConnectorName = "redis";

    private static readonly string[] s_targets = ["string", "list", "hash"];
    private static readonly string[] s_operations = ["append", "prepend"];
    private static readonly string[] s_targetOptions =
        ["target", "target.key_prefix", "target.key_column", "target.ttl_secs", "target.max_length", "target.operation", "target.field_column"];

    private static readonly Dictionary<string, DataType> s_metadata = new() { ["key"] = DataType.Utf8 };

    public override string Name => ConnectorName;

    public override ConnectorRoles Roles => ConnectorRoles.Sink | ConnectorRoles.Lookup;

    // The reference requires a format on every redis table.
    protected override FormatKind? DefaultFormat => null;

    protected override IReadOnlyDictionary<string, DataType> MetadataKeys => s_metadata;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(RedisJsonContext.Default).AddDerived<ConnectorConfig, RedisTableConfig>(ConnectorName);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var (addresses, cluster) = ReadAddresses(options, definition);
        var username = options.String("username") is { } user ? VarStr.Substitute(user, definition) : null;
        var password = options.String("password") is { } secret ? VarStr.Substitute(secret, definition) : null;
        if (format is null)
        {
            throw new UserException($"'format' must be set for Redis connection (table '{definition.Name}')", definition.Span,
                hint: "add format = 'json' (or 'raw_string') to the WITH clause");
        }
        if (format.Kind is not (FormatKind.Json or FormatKind.RawString))
        {
            throw new UserException($"not supported: the {format.Name} format on redis tables (supported: json, raw_string)", definition.SpanOf("format"));
        }
        var config = new RedisTableConfig { Addresses = addresses, Cluster = cluster, Username = username, Password = password };
        switch (role)
        {
            case TableRole.Lookup:
                CheckLookupKey(definition);
                foreach (var name in s_targetOptions)
                {
                    options.Accept(name);
                    if (definition.Options.ContainsKey(name))
                    {
                        throw new UserException($"'{name}' is an option of redis sink tables, but '{definition.Name}' is a lookup table", definition.SpanOf(name));
                    }
                }
                return new BoundParts(definition.Columns, config, "RedisLookup");
            case TableRole.Sink:
                if (definition.MetadataColumns.Count > 0)
                {
                    throw new UserException($"metadata fields can only be read from redis lookup tables, not written by the sink '{definition.Name}'", definition.Span);
                }
                return new BoundParts(definition.Columns, ReadTarget(options, definition, config), "RedisSink");
            default:
                throw new UserException($"the redis connector requires the option 'type' (table '{definition.Name}'): 'sink' or 'lookup'",
                    definition.Span, hint: "add type = 'sink' to the WITH clause, or declare a lookup table with CREATE TEMPORARY TABLE");
        }
    }

    private static (string[] Addresses, bool Cluster) ReadAddresses(OptionReader options, TableDefinition definition)
    {
        var address = options.String("address");
        var clusterAddresses = options.String("cluster.addresses");
        string[] addresses;
        switch (address, clusterAddresses)
        {
            case ({ } one, null):
                addresses = [one.Trim()];
                break;
            case (null, { } many):
                addresses = many.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                break;
            case (not null, not null):
                throw new UserException($"only one of `address` or `cluster.addresses` may be set (table '{definition.Name}')", definition.SpanOf("cluster.addresses"));
            default:
                throw options.Missing("address", $"one of `address` or `cluster.addresses` must be set (table '{definition.Name}')",
                    "add address = 'redis://host:6379' to the WITH clause");
        }
        var option = clusterAddresses is null ? "address" : "cluster.addresses";
        foreach (var a in addresses) RedisEndpoints.Parse(a, () => options.Invalid(option, a, "an address such as redis://localhost:6379"));
        return (addresses, clusterAddresses is not null);
    }

    /// <summary>The reference's rule: every PRIMARY KEY column of a lookup table is the <c>key</c> metadata field.</summary>
    private static void CheckLookupKey(TableDefinition definition)
    {
        var keyFields = definition.MetadataColumns.Where(m => m.Key == "key").Select(m => m.Field.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (definition.PrimaryKey.Count == 0 || definition.PrimaryKey.Any(p => !keyFields.Contains(p)))
        {
            throw new UserException(
                "Redis lookup tables must have a PRIMARY KEY field defined as `field_name TEXT METADATA FROM 'key'`",
                definition.Span);
        }
    }

    private static RedisTableConfig ReadTarget(OptionReader options, TableDefinition definition, RedisTableConfig config)
    {
        var target = options.Choice("target", s_targets)
                     ?? throw options.Missing("target", $"the redis connector requires the option 'target' for sink tables (table '{definition.Name}')",
                         "add target = 'string', 'list' or 'hash' to the WITH clause");
        var prefix = options.RequiredString("target.key_prefix");
        var keyColumn = options.String("target.key_column") is { } k ? TextColumn(options, definition, k, "target.key_column") : null;
        config = config with { KeyPrefix = prefix, KeyColumn = keyColumn };
        var ttl = options.Long("target.ttl_secs");
        var maxLength = options.Long("target.max_length");
        var operation = options.Choice("target.operation", s_operations);
        var field = options.String("target.field_column");
        switch (target)
        {
            case "string":
                Refuse(options, definition, "string", "target.max_length", "target.operation", "target.field_column");
                if (ttl is <= 0) throw new UserException("target.ttl_secs must be greater than 0", definition.SpanOf("target.ttl_secs"));
                return config with { Target = RedisTarget.String, TtlSeconds = ttl };
            case "list":
                Refuse(options, definition, "list", "target.ttl_secs", "target.field_column");
                if (maxLength is <= 0) throw new UserException("target.max_length must be greater than 0", definition.SpanOf("target.max_length"));
                return config with { Target = RedisTarget.List, MaxLength = maxLength, Prepend = operation == "prepend" };
            default:
                Refuse(options, definition, "hash", "target.ttl_secs", "target.max_length", "target.operation");
                var fieldColumn = TextColumn(options, definition,
                    field ?? throw options.Missing("target.field_column",
                        $"the redis connector requires the option 'target.field_column' for hash targets (table '{definition.Name}')",
                        "add target.field_column = 'COLUMN' naming the column whose value is the hash field"),
                    "target.field_column");
                return config with { Target = RedisTarget.Hash, FieldColumn = fieldColumn };
        }
    }

    private static void Refuse(OptionReader options, TableDefinition definition, string target, params string[] names)
    {
        foreach (var name in names)
        {
            if (definition.Options.ContainsKey(name))
            {
                throw new UserException($"'{name}' does not apply to target = '{target}' (table '{definition.Name}')", definition.SpanOf(name));
            }
        }
    }

    /// <summary>As the reference's validate_column: the name of a non-nullable TEXT column of the table.</summary>
    private static string TextColumn(OptionReader options, TableDefinition definition, string name, string option)
    {
        var column = definition.Columns.FirstOrDefault(c => c.Name == name);
        if (column is null || column.Type != DataType.Utf8 || column.Nullable)
        {
            throw new UserException(
                $"invalid value '{name}' for {option}, must be the name of a non-nullable TEXT column on the table",
                definition.SpanOf(option),
                hint: column is { Nullable: true } && column.Type == DataType.Utf8 ? $"declare it as {name} TEXT NOT NULL"
                    : "TEXT NOT NULL columns: " + string.Join(", ", definition.Columns.Where(c => c.Type == DataType.Utf8 && !c.Nullable).Select(c => c.Name)));
        }
        return name;
    }

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new RedisSink(spec, context);

    public ILookupSource CreateLookup(ConnectorTable table, LookupJoinSpec spec, OperatorContext context) => new RedisLookupSource(table, spec);
}
