using Arroyo.Core.Types;
using Arroyo.Formats;

namespace Arroyo.Connectors;

/// <summary>
/// A CREATE TABLE bound to its connector: everything the planner needs to read from or write
/// to it, as plain data. Created by <see cref="IConnector.Bind"/>.
/// </summary>
public sealed record ConnectorTable
{
    public required string Name { get; init; }

    /// <summary>The connector's name, e.g. <c>single_file</c> (look it up in <see cref="ConnectorCatalog"/>).</summary>
    public required string Connector { get; init; }

    /// <summary>
    /// From <c>type = 'source' | 'sink' | 'lookup'</c>, or the only role the connector has, or
    /// <see cref="TableDefinition.UsedAs"/>. Null: not decided yet; the planner picks it from use
    /// and checks it with <see cref="Supports"/>.
    /// </summary>
    public TableRole? Role { get; init; }

    public ConnectorRoles SupportedRoles { get; init; }

    /// <summary>
    /// The physical fields a source produces / a sink accepts, without <c>_timestamp</c>.
    /// For impulse and nexmark these are the connector's own; otherwise the declared columns
    /// (empty for a sink declared without columns: it takes the query's fields).
    /// </summary>
    public required IReadOnlyList<Field> Fields { get; init; }

    /// <summary>True when <see cref="Fields"/> came from the connector, not the CREATE TABLE.</summary>
    public bool HasFixedSchema { get; init; }

    /// <summary>Null for connectors without a format (impulse, nexmark, blackhole).</summary>
    public FormatSettings? Format { get; init; }

    public BadDataPolicy BadData { get; init; }

    /// <summary>A debezium_json source: emits an updating stream (rows carry <c>_is_retract</c>).</summary>
    public bool IsUpdating { get; init; }

    /// <summary>Legacy <c>event_time_field</c>: the column whose value becomes <c>_timestamp</c>.</summary>
    public string? EventTimeField { get; init; }

    /// <summary>Legacy <c>watermark_field</c>: the column the watermark follows.</summary>
    public string? WatermarkField { get; init; }

    /// <summary><c>idle_micros</c> / <c>idle_time</c>: after this long without data the source is idle.</summary>
    public TimeSpan? IdleTime { get; init; }

    public ulong? LookupCacheMaxBytes { get; init; }

    public TimeSpan? LookupCacheTtl { get; init; }

    /// <summary>True when the source ends by itself (impulse with message_count, nexmark with runtime, single_file).</summary>
    public bool IsBounded { get; init; }

    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    /// <summary>
    /// The local file the table reads or writes (full path), for connectors that use one
    /// (single_file): the planner refuses a sink writing a file a source of the pipeline reads.
    /// </summary>
    public string? LocalPath { get; init; }

    /// <summary>
    /// Sinks: columns whose rows must all reach one subtask (the file sinks'
    /// <c>shuffle_by_partition.enabled</c>: one writer per partition, so fewer files); the
    /// planner hashes the sink's input on them instead of forwarding it. Empty: forward.
    /// </summary>
    public IReadOnlyList<string> ShuffleBy { get; init; } = [];

    public IReadOnlyList<MetadataColumn> MetadataColumns { get; init; } = [];

    /// <summary>The connector's validated settings.</summary>
    public required ConnectorConfig Config { get; init; }

    /// <summary>Every WITH option as given (keys lower-cased).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>One line for EXPLAIN, e.g. <c>BoundedImpulse&lt;10 eps&gt;</c>.</summary>
    public required string Description { get; init; }

    /// <summary>The sink that prints a bare SELECT (<see cref="ConnectorCatalog.BindSelectOutput"/>): never merged with another query's sink.</summary>
    public bool IsSelectOutput { get; init; }

    public bool Supports(TableRole role) => role switch
    {
        TableRole.Source => SupportedRoles.HasFlag(ConnectorRoles.Source),
        TableRole.Sink => SupportedRoles.HasFlag(ConnectorRoles.Sink),
        _ => SupportedRoles.HasFlag(ConnectorRoles.Lookup),
    };

    /// <summary>
    /// The schema a source of this table emits: <see cref="Fields"/>, then <c>_is_retract</c>
    /// when <see cref="IsUpdating"/>, then <c>_timestamp</c>.
    /// </summary>
    public Schema SourceSchema()
    {
        var fields = Fields.ToList();
        if (IsUpdating) fields.Add(new Field(Schema.RetractFieldName, DataType.Boolean, Nullable: false));
        return Schema.WithTimestamp(fields);
    }

    public override string ToString() => $"{Name} ({Connector} {Role?.ToString().ToLowerInvariant() ?? "table"}: {Description})";
}
