using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Planner.Catalog;

/// <summary>
/// The planner's view of connectors: which role a table plays, the schema of connectors
/// with a fixed one, and the source/sink specs of the dataflow graph. Everything the planner
/// asks of connectors goes through this one class.
/// </summary>
internal static class ConnectorCatalog
{
    private static readonly HashSet<string> s_sourceOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "impulse", "nexmark", "websocket", "sse", "polling_http", "kinesis",
    };

    private static readonly HashSet<string> s_sinkOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "stdout", "blackhole", "webhook", "preview", "delta", "iceberg",
    };

    public static TableRole ResolveRole(string connector, IReadOnlyDictionary<string, string> options, bool temporary, SourceSpan span)
    {
        if (options.TryGetValue("type", out var type))
        {
            return type.ToLowerInvariant() switch
            {
                "source" => TableRole.Source,
                "sink" => TableRole.Sink,
                "lookup" => TableRole.Lookup,
                _ => throw new UserException($"invalid table type '{type}'; expected 'source', 'sink' or 'lookup'", span),
            };
        }
        if (string.Equals(connector, "redis", StringComparison.OrdinalIgnoreCase)) return temporary ? TableRole.Lookup : TableRole.Sink;
        if (s_sourceOnly.Contains(connector)) return TableRole.Source;
        if (s_sinkOnly.Contains(connector)) return TableRole.Sink;
        throw new UserException($"table with connector '{connector}' needs a 'type' option: 'source' or 'sink'", span);
    }

    /// <summary>The fixed schema of connectors that define their own (impulse, nexmark), else null.</summary>
    public static IReadOnlyList<Field>? BuiltInSchema(string connector) => connector.ToLowerInvariant() switch
    {
        "impulse" =>
        [
            new Field("counter", DataType.UInt64, false),
            new Field("subtask_index", DataType.UInt64, false),
        ],
        "nexmark" => NexmarkSchema,
        _ => null,
    };

    private static readonly IReadOnlyList<Field> NexmarkSchema =
    [
        new Field("person", DataType.Struct(
        [
            new Field("id", DataType.Int64, false),
            new Field("name", DataType.Utf8, false),
            new Field("email_address", DataType.Utf8, false),
            new Field("credit_card", DataType.Utf8, false),
            new Field("city", DataType.Utf8, false),
            new Field("state", DataType.Utf8, false),
            new Field("datetime", DataType.Timestamp, false),
            new Field("extra", DataType.Utf8, false),
        ])),
        new Field("auction", DataType.Struct(
        [
            new Field("id", DataType.Int64, false),
            new Field("item_name", DataType.Utf8, false),
            new Field("description", DataType.Utf8, false),
            new Field("initial_bid", DataType.Int64, false),
            new Field("reserve", DataType.Int64, false),
            new Field("datetime", DataType.Timestamp, false),
            new Field("expires", DataType.Timestamp, false),
            new Field("seller", DataType.Int64, false),
            new Field("category", DataType.Int64, false),
            new Field("extra", DataType.Utf8, false),
        ])),
        new Field("bid", DataType.Struct(
        [
            new Field("auction", DataType.Int64, false),
            new Field("bidder", DataType.Int64, false),
            new Field("price", DataType.Int64, false),
            new Field("channel", DataType.Utf8, false),
            new Field("url", DataType.Utf8, false),
            new Field("datetime", DataType.Timestamp, false),
            new Field("extra", DataType.Utf8, false),
        ])),
    ];

    /// <summary>Checks the connector-specific rules the planner knows about.</summary>
    public static void Validate(ConnectorTable table)
    {
        if (table.IsUpdating && table.Columns.Any(c => c.IsVirtual))
        {
            throw new UserException(
                $"Failed to create table {table.Name} caused by Error during planning: can't use virtual fields with debezium format",
                table.Span);
        }
    }

    /// <summary>The source node's spec: reads the table's physical fields plus <c>_timestamp</c>.</summary>
    public static OperatorSpec CreateSource(ConnectorTable table, Schema output) =>
        new ConnectorSourceSpec(table.Name, table.Connector, table.Format, table.Options, output);

    /// <summary>The sink node's spec, consuming rows of <paramref name="input"/>.</summary>
    public static OperatorSpec CreateSink(ConnectorTable table, Schema input) =>
        new ConnectorSinkSpec(table.Name, table.Connector, table.Format, table.Options, input);

    /// <summary>The sink of a bare SELECT: JSON lines on stdout.</summary>
    public static OperatorSpec CreateStdoutSink(Schema input) =>
        new ConnectorSinkSpec("stdout", "stdout", "json", new Dictionary<string, string> { ["format"] = "json" }, input);
}

/// <summary>
/// A source as the planner describes it: connector, options and the schema to produce.
/// Connectors turn it into their own reader.
/// </summary>
public sealed record ConnectorSourceSpec(
    string Table,
    string Connector,
    string? Format,
    IReadOnlyDictionary<string, string> Options,
    Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override bool IsSource => true;

    public override string Describe() => $"source {Table} ({Connector}{(Format is null ? "" : ", " + Format)})";
}

/// <summary>A sink as the planner describes it; <see cref="Input"/> is the schema of the rows it receives.</summary>
public sealed record ConnectorSinkSpec(
    string Table,
    string Connector,
    string? Format,
    IReadOnlyDictionary<string, string> Options,
    Schema Input) : OperatorSpec
{
    public override Schema OutputSchema { get; } = new([]);

    public override string Describe() => $"sink {Table} ({Connector}{(Format is null ? "" : ", " + Format)})";
}
