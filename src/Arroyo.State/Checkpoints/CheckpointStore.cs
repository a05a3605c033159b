using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.State.Files;
using Arroyo.Storage;
using Microsoft.Extensions.Logging;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// <see cref="ICheckpointStorage"/> over an object store: state files per subtask, manifest
/// last, the newest few checkpoints kept. Subtask threads call it synchronously; the
/// object-store calls block those threads only while a checkpoint is being written.
/// </summary>
public sealed class CheckpointStore : ICheckpointStorage
{
    /// <summary>Complete checkpoints kept after a new one completes.</summary>
    public const int CheckpointsKept = 3;

    private readonly IObjectStore _store;
    private readonly ILogger _log;
    private readonly RestoredCheckpoint? _restored;
    private int _cleaning;

    // pipeline.json as written at open, until it records that a checkpoint completed.
    private PipelineRecord? _unclaimed;

    /// <param name="unclaimed">pipeline.json when it does not say <see cref="PipelineRecord.Checkpointed"/>
    /// yet: it is rewritten to say so once the first checkpoint of this run completes.</param>
    public CheckpointStore(IObjectStore store, RestoredCheckpoint? restored, ILogger log, PipelineRecord? unclaimed = null)
    {
        _store = store;
        _restored = restored;
        _log = log;
        _unclaimed = unclaimed is { Checkpointed: false } ? unclaimed : null;
    }

    public long? RestoredEpoch => _restored?.Manifest.Epoch;

    /// <summary>A subtask's state is written in files of about this size (see <see cref="StateFile.WriteParts"/>).</summary>
    public long PartBytes { get; set; } = StateFile.DefaultPartBytes;

    public bool RestoredSourcesFinished => _restored?.Manifest.SourcesFinished ?? false;

    public IStateWriter CreateWriter(long epoch, int nodeId, int subtask) => new Writer(epoch, nodeId, subtask);

    public IReadOnlyList<PendingCommit> RestoredCommits => _restored?.Manifest.Commits ?? [];

    public async Task<IReadOnlyList<ManifestFile>> FinishWriterAsync(IStateWriter writer)
    {
        var w = (Writer)writer;
        var files = new List<ManifestFile>();
        var part = 0;
        // Big states go in parts, each uploaded before the next is encoded.
        foreach (var file in StateFile.WriteParts(w.Tables, PartBytes))
        {
            using (file)
            {
                var key = StatePaths.SubtaskState(w.Epoch, w.NodeId, w.Subtask, part++);
                await _store.PutAsync(key, file.Bytes).ConfigureAwait(false);
                files.Add(new ManifestFile(key, file.Length, file.Checksum));
            }
        }
        return files;
    }

    public async Task WriteManifestAsync(CheckpointManifest manifest)
    {
        var epoch = manifest.Epoch;
        // The manifest goes last and alone: until it exists, this epoch does not count.
        await _store.PutAsync(StatePaths.Manifest(epoch), manifest.Serialize()).ConfigureAwait(false);
        // Every subtask has passed a barrier, so every operator has opened and read what it
        // restored: the decoded checkpoint would otherwise stay in memory for the whole run.
        _restored?.Release();
        ReleaseMemoryAfter(manifest);
        if (_unclaimed is { } record)
        {
            // After the manifest: a crash in between leaves a manifest, which claims the dir as well.
            try
            {
                await _store.PutAsync(StatePaths.Pipeline, (record with { Checkpointed = true }).Serialize()).ConfigureAwait(false);
                _unclaimed = null;
            }
            catch (ObjectStoreException error)
            {
                _log.Warn($"could not record the first checkpoint in {StatePaths.Pipeline} (tried again at the next one): {error.Message}");
            }
        }
        // Cleanup runs in the background (one at a time): against a slow or failing store it
        // must not delay the commit of the checkpoint that just completed.
        if (Interlocked.CompareExchange(ref _cleaning, 1, 0) == 0)
        {
            _ = Task.Run(() =>
            {
                try
                {
                    DeleteOldCheckpoints(epoch);
                }
                finally
                {
                    Volatile.Write(ref _cleaning, 0);
                }
            });
        }
    }

    /// <summary>Checkpoints at least this big are followed by a full collection (see <see cref="ReleaseMemoryAfter"/>).</summary>
    private const long CollectAfterBytes = 32L << 20;

    /// <summary>
    /// A big checkpoint leaves its snapshot behind as garbage: the state's columns copied into
    /// batches and the encoded parts, all large arrays in the large object heap, which only a
    /// full (gen 2) collection frees. With plenty of memory the GC lets gen 2 grow for a long
    /// time, so a process idling between checkpoints of a large state climbed by one snapshot
    /// per checkpoint (0.8–2.5 GB RSS for a 69 MB checkpoint). A background collection right
    /// after the manifest frees them while the pipeline keeps running; below the threshold the
    /// GC's own schedule is cheaper.
    /// </summary>
    private static void ReleaseMemoryAfter(CheckpointManifest manifest)
    {
        long bytes = 0;
        foreach (var file in manifest.Files) bytes += file.Size;
        if (bytes < CollectAfterBytes) return;
        GC.Collect(2, GCCollectionMode.Forced, blocking: false);
    }

    public IStateReader CreateReader(int nodeId, int subtask, int parallelism) =>
        _restored is null ? EmptyStateReader.Instance : new Reader(_restored, nodeId, subtask, parallelism);

    private void DeleteOldCheckpoints(long newest)
    {
        try
        {
            var epochs = _store.ListAsync(StatePaths.CheckpointsPrefix).GetAwaiter().GetResult()
                .Select(o => StatePaths.EpochOf(o.Key)).OfType<long>().Distinct().OrderDescending().ToList();
            // Keep the newest complete ones and anything newer than this checkpoint.
            var keep = epochs.Where(e => e <= newest).Take(CheckpointsKept).ToHashSet();
            foreach (var epoch in epochs.Where(e => e < newest && !keep.Contains(e)))
            {
                _store.DeletePrefixAsync(StatePaths.EpochDirectory(epoch)).GetAwaiter().GetResult();
            }
        }
        catch (Exception error)
        {
            // Old checkpoints only cost space; never fail a run over cleaning them up.
            _log.Warn($"could not delete old checkpoints: {error.Message}");
        }
    }

    private sealed class Writer(long epoch, int nodeId, int subtask) : IStateWriter
    {
        public long Epoch { get; } = epoch;

        public int NodeId { get; } = nodeId;

        public int Subtask { get; } = subtask;

        public Dictionary<string, List<Batch>> Tables { get; } = new();

        public void WriteTable(string table, Batch rows)
        {
            if (rows.Schema.Count == 0 || rows.Schema[0].Name != StateColumns.KeyHashColumn)
            {
                throw new InvalidOperationException($"state table '{table}' must start with {StateColumns.KeyHashColumn} (this is a bug)");
            }
            if (!Tables.TryGetValue(table, out var list)) Tables[table] = list = [];
            list.Add(rows);
        }
    }

    private sealed class Reader(RestoredCheckpoint restored, int nodeId, int subtask, int parallelism) : IStateReader
    {
        public long? Epoch => restored.Manifest.Epoch;

        public IEnumerable<Batch> ReadTable(string table, bool allRows = false)
        {
            foreach (var batch in restored.TableBatches(nodeId, table))
            {
                if (allRows)
                {
                    yield return batch;
                    continue;
                }
                var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
                var selection = new Bitmap(batch.RowCount);
                for (var i = 0; i < batch.RowCount; i++)
                {
                    if (KeyRange.Owns(subtask, parallelism, hashes.Values[i])) selection.Set(i);
                }
                var owned = batch.Filter(selection);
                if (owned.RowCount > 0) yield return owned;
            }
        }
    }
}

/// <summary>
/// A complete checkpoint read back from the state dir, every state file verified and decoded;
/// operators read it when they open, and it is released once the run's first checkpoint
/// completes (by then every operator has opened).
/// </summary>
public sealed class RestoredCheckpoint
{
    private Dictionary<int, List<Dictionary<string, List<Batch>>>> _byNode;

    public RestoredCheckpoint(CheckpointManifest manifest, Dictionary<int, List<Dictionary<string, List<Batch>>>> byNode)
    {
        Manifest = manifest;
        _byNode = byNode;
    }

    public CheckpointManifest Manifest { get; }

    /// <summary>Drops the decoded state (a reader still enumerating keeps what it has).</summary>
    public void Release() => Volatile.Write(ref _byNode, []);

    public IEnumerable<Batch> TableBatches(int nodeId, string table)
    {
        if (!Volatile.Read(ref _byNode).TryGetValue(nodeId, out var files)) yield break;
        foreach (var tables in files)
        {
            if (!tables.TryGetValue(table, out var batches)) continue;
            foreach (var batch in batches) yield return batch;
        }
    }
}
