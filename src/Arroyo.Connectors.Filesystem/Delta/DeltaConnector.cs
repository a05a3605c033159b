using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Delta;

public sealed record DeltaSinkConfig(FileSinkSettings Settings) : ConnectorConfig;

/// <summary>A Delta Lake table as a sink (the reference has no Delta source): the filesystem sink's options, Parquet files, one log version per checkpoint.</summary>
public sealed class DeltaConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(FilesystemJsonContext.Default).AddDerived<ConnectorConfig, DeltaSinkConfig>(Name);

    public override string Name => "delta";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override FormatKind? DefaultFormat => FormatKind.Parquet;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        if (definition.Options.TryGetValue("type", out var type) && type.Trim().Equals("source", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException("DeltaLake sources are not yet supported", definition.SpanOf("type"));
        }
        FilesystemConnector.RequireFormat(definition);
        if (format?.Kind != FormatKind.Parquet)
        {
            throw new UserException($"delta tables are written as parquet, not {format?.Name} (table '{definition.Name}')", definition.SpanOf("format"),
                hint: "set format = 'parquet'");
        }
        var settings = FileSinkSettings.Read(options, definition, format);
        return new BoundParts(definition.Columns, new DeltaSinkConfig(settings), $"DeltaSink<{settings.Location}>")
        {
            ShuffleBy = settings.ShuffleByPartition ? settings.PartitionFields : [],
        };
    }

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new DeltaSink(spec.Table, spec.Input, ((DeltaSinkConfig)spec.Table.Config).Settings);
}
