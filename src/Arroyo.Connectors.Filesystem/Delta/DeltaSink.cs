using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core.Types;
using Arroyo.Execution;

namespace Arroyo.Connectors.Filesystem.Delta;

/// <summary>
/// The filesystem sink's Parquet files, published as a Delta Lake table: at each checkpoint's
/// commit subtask 0 completes every subtask's files and then writes one log version adding
/// them (<see cref="DeltaLog"/>). A replayed commit completes the files again and writes the
/// version only if the log has no transaction for that epoch yet, so each file is added once.
/// </summary>
internal sealed class DeltaSink : FileSink
{
    private readonly string _schema;
    private readonly IReadOnlyList<string> _partitionColumns;
    private DeltaLog? _log;

    public DeltaSink(ConnectorTable table, Schema input, FileSinkSettings settings)
        : base(table, input, settings, updateKeys: null)
    {
        _schema = DeltaSchema.Of(input, table.Name);
        _partitionColumns = settings.PartitionFields
            .Select(f => input.Fields.First(c => string.Equals(c.Name, f, StringComparison.OrdinalIgnoreCase)).Name)
            .ToList();
    }

    protected override bool CommitsOnSubtaskZero => true;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        // One writer identity per pipeline (its state dir) and sink table: epochs of one pipeline
        // only grow, across restarts too, but another pipeline writing to the same table starts
        // again at 1, and sharing an id would make its commits look already done (rows lost).
        _log = new DeltaLog(Store, $"arroyo-{Context.Settings.PipelineId}-{TableName}");
    }

    protected override void Publish(long epoch, IReadOnlyList<FinishedFile> files, bool replay)
    {
        if (files.Count == 0 && _log!.Versions().Count > 0) return;
        var version = _log!.Commit(epoch, files, _schema, _partitionColumns);
        if (version is { } v) Context.Log($"delta table version {v}: {files.Count} file(s) of checkpoint {epoch}");
    }
}
