using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Connectors.Filesystem.Source;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem;

public sealed record FilesystemSinkConfig(FileSinkSettings Settings) : ConnectorConfig;

public sealed record FilesystemSourceConfig(FileSourceSettings Settings) : ConnectorConfig;

/// <summary>
/// Files on a local disk or an object store (any location a state dir accepts). As a source it
/// reads every file under the path once and ends; as a sink it writes rolling json or parquet
/// files, partitioned by time and columns, made visible exactly once at checkpoints.
/// </summary>
public sealed class FilesystemConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(FilesystemJsonContext.Default)
            .AddDerived<ConnectorConfig, FilesystemSinkConfig>(Name + "_sink")
            .AddDerived<ConnectorConfig, FilesystemSourceConfig>(Name + "_source");

    public override string Name => "filesystem";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        if (role is null)
        {
            throw new UserException($"type must be one of 'source' or 'sink' (table '{definition.Name}')", definition.Span,
                hint: "add type = 'source' or type = 'sink' to the WITH clause");
        }
        RequireFormat(definition);
        if (role == TableRole.Sink)
        {
            var settings = FileSinkSettings.Read(options, definition, format);
            return new BoundParts(definition.Columns, new FilesystemSinkConfig(settings), $"FileSystemSink<{format?.Name}, {settings.Location}>")
            {
                ShuffleBy = settings.ShuffleByPartition ? settings.PartitionFields : [],
            };
        }
        var source = FileSourceSettings.Read(options, definition, format);
        return new BoundParts(definition.Columns, new FilesystemSourceConfig(source), $"FileSystem<{format?.Name}, {source.Location}>")
        {
            IsBounded = true,
        };
    }

    internal static void RequireFormat(TableDefinition definition)
    {
        if (!definition.Options.ContainsKey("format"))
        {
            throw new UserException($"'format' must be set for table '{definition.Name}'", definition.Span,
                hint: "add format = 'parquet' or format = 'json'");
        }
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        new FileSource(spec.Table, ((FilesystemSourceConfig)spec.Table.Config).Settings, spec.Output);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new FileSink(spec.Table, spec.Input, ((FilesystemSinkConfig)spec.Table.Config).Settings, spec.UpdateKeys);
}
