using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>A REST catalog: its base URL, warehouse and bearer token (the token as written, <c>{{ VAR }}</c> resolved only when the sink opens, so it is in no plan or log).</summary>
public sealed record IcebergCatalogSettings(string Url, string? Warehouse, string? Token)
{
    public override string ToString() => Warehouse is null ? Url : $"{Url} (warehouse {Warehouse})";
}

public sealed record IcebergSinkConfig(
    IcebergCatalogSettings Catalog,
    IReadOnlyList<string> Namespace,
    string TableName,
    string? LocationPath,
    IReadOnlyDictionary<string, string> StorageOptions,
    FileSinkSettings Settings) : ConnectorConfig
{
    /// <summary>The partition spec PARTITIONED BY declares (empty: unpartitioned).</summary>
    public IReadOnlyList<IcebergPartitionField> Partitioning { get; init; } = [];
}

/// <summary>
/// An Apache Iceberg table in a REST catalog, as a sink (the reference has no Iceberg source):
/// the filesystem sink's Parquet files under the table's <c>data/</c>, one snapshot appended
/// per checkpoint. The table is created when missing, at <c>location_path</c> when given.
/// </summary>
public sealed class IcebergConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(FilesystemJsonContext.Default).AddDerived<ConnectorConfig, IcebergSinkConfig>(Name);

    public override string Name => "iceberg";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override FormatKind? DefaultFormat => FormatKind.Parquet;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        if (definition.Options.TryGetValue("type", out var type) && type.Trim().Equals("source", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException("Iceberg sources are not yet supported", definition.SpanOf("type"));
        }
        if (format is null || !definition.Options.ContainsKey("format"))
        {
            throw new UserException($"format is required for iceberg sinks (table '{definition.Name}')", definition.Span, hint: "set format = 'parquet'");
        }
        if (format.Kind != FormatKind.Parquet)
        {
            throw new UserException($"unsupported value for format.type; must be parquet for iceberg sinks (table '{definition.Name}')",
                definition.SpanOf("format"), hint: "set format = 'parquet'");
        }
        var partitioning = IcebergPartitioning.Read(definition);
        var catalogType = options.RequiredString("catalog.type");
        if (!catalogType.Equals("rest", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"unsupported Iceberg catalog.type '{catalogType}' (table '{definition.Name}')", definition.SpanOf("catalog.type"),
                hint: "the only catalog type is 'rest'");
        }
        var url = options.RequiredString("catalog.rest.url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw options.Invalid("catalog.rest.url", url, "an http:// or https:// URL");
        }
        var catalog = new IcebergCatalogSettings(url, options.String("catalog.warehouse"), options.String("catalog.rest.token"));
        var ns = (options.String("namespace") ?? "default").Split('.');
        if (ns.Any(string.IsNullOrWhiteSpace)) throw options.Invalid("namespace", string.Join('.', ns), "dot-separated names");
        var tableName = options.RequiredString("table_name");
        var locationPath = options.String("location_path");
        var storage = StorageLocation.ReadStorageOptions(options);
        var settings = FileSinkSettings.Read(options, definition, format, hasPath: false);
        if (settings.PartitionFields.Count > 0 || settings.TimePattern is not null)
        {
            throw new UserException($"iceberg tables are partitioned by PARTITIONED BY transforms, not partitioning.* options (table '{definition.Name}')",
                definition.SpanOf(definition.Options.ContainsKey("partitioning.fields") ? "partitioning.fields" : "partitioning.time_pattern"));
        }
        var config = new IcebergSinkConfig(catalog, ns, tableName, locationPath, storage, settings) { Partitioning = partitioning };
        return new BoundParts(definition.Columns, config, $"IcebergSink<{string.Join('.', ns)}.{tableName}>")
        {
            // Rows of one partition share the values of its columns, so hashing on them keeps a partition on one writer.
            ShuffleBy = settings.ShuffleByPartition
                ? partitioning.Where(f => f.Transform != IcebergTransform.Void).Select(f => f.Column).Distinct(StringComparer.OrdinalIgnoreCase).ToArray()
                : [],
        };
    }

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new IcebergSink(spec.Table, spec.Input, (IcebergSinkConfig)spec.Table.Config);
}
