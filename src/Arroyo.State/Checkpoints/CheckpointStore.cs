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
    private long _cleanupUpTo = -1;

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

    /// <summary>A subtask's state is written in files of at most about this size (and at least <see cref="EncodeAfterBytes"/>, but for its last).</summary>
    public long PartBytes { get; set; } = StateFile.DefaultPartBytes;

    public bool RestoredSourcesFinished => _restored?.Manifest.SourcesFinished ?? false;

    // Incremental tables: per subtask (node, subtask), the files of each table at the newest
    // completed checkpoint, in the order a restore reads them (a full table, then deltas).
    private readonly Lock _chainLock = new();
    private Dictionary<(int NodeId, int Subtask), Dictionary<string, List<ManifestFile>>> _completedChains = new();
    private long _completedEpoch = -1;
    private readonly Dictionary<long, Dictionary<(int NodeId, int Subtask), Dictionary<string, List<ManifestFile>>>> _pendingChains = new();
    private readonly Dictionary<(int NodeId, int Subtask), long> _lastWriterEpoch = new();

    public IStateWriter CreateWriter(long epoch, int nodeId, int subtask)
    {
        lock (_chainLock)
        {
            var key = (nodeId, subtask);
            // A delta is relative to what the operator wrote at its previous checkpoint, so the
            // chain may be built on only if that checkpoint is the newest completed one.
            var previousCompleted = _lastWriterEpoch.TryGetValue(key, out var previous) && previous == _completedEpoch;
            _lastWriterEpoch[key] = epoch;
            var chains = previousCompleted && _completedChains.TryGetValue(key, out var c) ? c : null;
            return new Writer(this, epoch, nodeId, subtask, chains);
        }
    }

    public IReadOnlyList<PendingCommit> RestoredCommits => _restored?.Manifest.Commits ?? [];

    public async Task<IReadOnlyList<ManifestFile>> FinishWriterAsync(IStateWriter writer)
    {
        var w = (Writer)writer;
        var files = new List<ManifestFile>();
        // What is still held is encoded now; then every part, in order, once durable.
        w.EncodeHeld(final: true);
        var written = new List<ManifestFile>();
        foreach (var upload in w.Uploads) written.Add(await upload.ConfigureAwait(false));
        // Files of earlier checkpoints this one builds on, each listed once with the tables it
        // carries; then this checkpoint's own.
        var chains = new Dictionary<string, List<ManifestFile>>();
        var carried = new Dictionary<string, ManifestFile>();
        foreach (var (table, previous) in w.Kept)
        {
            foreach (var file in previous)
            {
                var tables = carried.TryGetValue(file.Key, out var listed) ? listed.Tables! : [];
                if (!tables.Contains(table)) tables.Add(table);
                carried[file.Key] = file with { Tables = tables };
            }
            chains[table] = [.. previous];
        }
        foreach (var table in w.WrittenTables)
        {
            if (!chains.TryGetValue(table, out var chain)) chains[table] = chain = [];
            chain.AddRange(written);
        }
        lock (_chainLock)
        {
            if (!_pendingChains.TryGetValue(w.Epoch, out var pending)) _pendingChains[w.Epoch] = pending = new();
            pending[(w.NodeId, w.Subtask)] = chains;
        }
        files.AddRange(carried.Values.OrderBy(f => f.Key, StringComparer.Ordinal));
        files.AddRange(written);
        return files;
    }

    public async Task WriteManifestAsync(CheckpointManifest manifest)
    {
        var epoch = manifest.Epoch;
        // The manifest goes last and alone: until it exists, this epoch does not count.
        await _store.PutAsync(StatePaths.Manifest(epoch), manifest.Serialize()).ConfigureAwait(false);
        lock (_chainLock)
        {
            _completedEpoch = epoch;
            _completedChains = _pendingChains.GetValueOrDefault(epoch) ?? new();
            foreach (var older in _pendingChains.Keys.Where(e => e <= epoch).ToList()) _pendingChains.Remove(older);
        }
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
        // must not delay the commit of the checkpoint that just completed. A checkpoint that
        // completes meanwhile is cleaned up after by the same task.
        Interlocked.Exchange(ref _cleanupUpTo, epoch);
        if (Interlocked.CompareExchange(ref _cleaning, 1, 0) == 0)
        {
            _ = Task.Run(() =>
            {
                long done = -1;
                while (true)
                {
                    var newest = Interlocked.Read(ref _cleanupUpTo);
                    if (newest != done)
                    {
                        DeleteOldCheckpoints(newest);
                        done = newest;
                        continue;
                    }
                    Volatile.Write(ref _cleaning, 0);
                    // A request that came after the last look, with nobody left to serve it.
                    if (Interlocked.Read(ref _cleanupUpTo) == done || Interlocked.CompareExchange(ref _cleaning, 1, 0) != 0) return;
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
    /// GC's own schedule is cheaper. The part buffers the pool kept go with them: a couple of
    /// 5 MB buffers held through the seconds between checkpoints were a tenth of a 1 M-key
    /// aggregate's memory, while the next checkpoint allocating them afresh costs ~1 ms per MB.
    /// </summary>
    internal static void ReleaseMemoryAfter(CheckpointManifest manifest)
    {
        long bytes = 0;
        foreach (var file in manifest.Files) bytes += file.Size;
        if (bytes < CollectAfterBytes) return;
        PartBufferPool.Trim();
        GC.Collect(2, GCCollectionMode.Forced, blocking: false);
    }

    public IStateReader CreateReader(int nodeId, int subtask, int parallelism)
    {
        if (_restored is null) return EmptyStateReader.Instance;
        ContinueRestoredChains(nodeId, subtask, parallelism);
        return new Reader(_restored, nodeId, subtask, parallelism);
    }

    /// <summary>A restored chain of a table with this many deltas or more is not built on: the next checkpoint writes the table whole.</summary>
    public const int MaxRestoredDeltas = 8;

    /// <summary>
    /// Lets the subtask's first checkpoint of this run build on the chains it restored, as it
    /// builds on its own later: restored at the parallelism they were written at, a subtask's
    /// rows are exactly those its predecessor of the same index wrote (every row of a writer
    /// lies in that writer's key range), so a delta of what changed since the restore, listed
    /// after the restored files, is the table. Without this a restart rewrote every keyed table
    /// whole at its first checkpoint (582 MB for 10 M keys). Chains already holding
    /// <see cref="MaxRestoredDeltas"/> deltas are left to end: operators count deltas within a
    /// run only, and restarts must not let a chain grow without bound.
    /// </summary>
    private void ContinueRestoredChains(int nodeId, int subtask, int parallelism)
    {
        var restored = _restored!;
        var chains = restored.ChainsOf(nodeId, subtask, parallelism, MaxRestoredDeltas);
        lock (_chainLock)
        {
            // A reader created after this run completed a checkpoint of its own builds on nothing restored.
            if (_completedEpoch > restored.Manifest.Epoch || chains is null || chains.Count == 0) return;
            _completedEpoch = restored.Manifest.Epoch;
            _completedChains[(nodeId, subtask)] = chains;
            _lastWriterEpoch[(nodeId, subtask)] = restored.Manifest.Epoch;
        }
    }

    private void DeleteOldCheckpoints(long newest)
    {
        try
        {
            // Plain loops, no LINQ: this runs after every checkpoint, the final one of a short run
            // included, where each LINQ shape over longs was JIT-compiled once more (issue #15).
            var objects = _store.ListAsync(StatePaths.CheckpointsPrefix).GetAwaiter().GetResult();
            var epochs = new List<long>();
            foreach (var o in objects)
            {
                if (StatePaths.EpochOf(o.Key) is { } e && !epochs.Contains(e)) epochs.Add(e);
            }
            // With no more epochs than are kept, every one is kept (or newer than this checkpoint):
            // nothing to delete, so no manifest is read (a short run's one final checkpoint
            // otherwise paid a manifest read and parse, ~10 ms of its fixed cost, for nothing).
            if (epochs.Count <= CheckpointsKept) return;
            epochs.Sort();
            epochs.Reverse();
            // Keep the newest complete ones and anything newer than this checkpoint.
            var keep = new HashSet<long>();
            foreach (var e in epochs)
            {
                if (e <= newest && keep.Count < CheckpointsKept) keep.Add(e);
            }
            // Files of an older epoch that a kept checkpoint lists again (incremental tables) stay.
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var epoch in keep)
            {
                if (_store.GetAsync(StatePaths.Manifest(epoch)).GetAwaiter().GetResult() is not { } bytes) continue;
                foreach (var file in CheckpointManifest.Deserialize(bytes).Files) referenced.Add(file.Key);
            }
            foreach (var epoch in epochs)
            {
                if (epoch >= newest || keep.Contains(epoch)) continue;
                var directory = StatePaths.EpochDirectory(epoch);
                var inEpoch = new List<ObjectInfo>();
                var anyReferenced = false;
                foreach (var o in objects)
                {
                    if (!o.Key.StartsWith(directory, StringComparison.Ordinal)) continue;
                    inEpoch.Add(o);
                    anyReferenced |= referenced.Contains(o.Key);
                }
                if (!anyReferenced)
                {
                    _store.DeletePrefixAsync(directory).GetAwaiter().GetResult();
                    continue;
                }
                // The manifest first: the epoch stops being a checkpoint before its files go.
                _store.DeleteAsync(StatePaths.Manifest(epoch)).GetAwaiter().GetResult();
                foreach (var o in inEpoch)
                {
                    if (!referenced.Contains(o.Key) && o.Key != StatePaths.Manifest(epoch)) _store.DeleteAsync(o.Key).GetAwaiter().GetResult();
                }
            }
        }
        catch (Exception error)
        {
            // Old checkpoints only cost space; never fail a run over cleaning them up.
            _log.Warn($"could not delete old checkpoints: {error.Message}");
        }
    }

    /// <summary>
    /// A writer finishes a part and starts its upload once the part holds about this much (see
    /// <see cref="Writer"/>). A writer holds up to three part buffers of this plus
    /// <c>EncodeSlack</c> (one being written, <see cref="UploadsInFlight"/> uploading). One size
    /// for every store: in an object store each part is a request with its round trip, and a
    /// local dir of 1 MB parts was measured slower to restore (10 M keys: 4.83 -> 5.78 CPU-s,
    /// four times the files) for ~10 MB less memory while checkpointing.
    /// </summary>
    public long EncodeAfterBytes { get; set; } = DefaultEncodeAfterBytes;

    public const long DefaultEncodeAfterBytes = 4L << 20;

    /// <summary>Parts being uploaded at once by one writer before it waits (bounds a checkpoint's memory).</summary>
    private const int UploadsInFlight = 2;

    private async Task<ManifestFile> UploadAsync(string key, StatePart part)
    {
        using (part)
        {
            await _store.PutAsync(key, part.Bytes).ConfigureAwait(false);
            return new ManifestFile(key, part.Length, part.Checksum);
        }
    }

    /// <summary>
    /// Writes a subtask's tables for one checkpoint. Each batch is encoded into the current
    /// part (a complete state file) as it comes, cut into key-hash ranges; once the part holds
    /// about <see cref="EncodeAfterBytes"/>, it is finished and its upload started, waiting for
    /// older uploads when more than a couple are under way. An operator writing its table a
    /// chunk at a time from its live columns then has at most a chunk of its state copied at
    /// once (the chunk dies young, instead of being held with megabytes of others until they
    /// are encoded, which promoted them to the oldest generation as garbage to come), plus the
    /// parts on their way out.
    /// </summary>
    /// <param name="chains">The files of each table at this subtask's previous checkpoint, when it completed.</param>
    private sealed class Writer(CheckpointStore owner, long epoch, int nodeId, int subtask, Dictionary<string, List<ManifestFile>>? chains) : IStateWriter
    {
        private int _nextPart;

        /// <summary>Tables this checkpoint builds on the previous one for, with the files they keep.</summary>
        public Dictionary<string, List<ManifestFile>> Kept { get; } = new();

        /// <summary>Every table written to at this checkpoint.</summary>
        public HashSet<string> WrittenTables { get; } = [];

        /// <summary>The parts' uploads, in part order.</summary>
        public List<Task<ManifestFile>> Uploads { get; } = [];

        public bool CanKeepPrevious(string table) => chains is not null && chains.ContainsKey(table);

        public void KeepPrevious(string table)
        {
            if (chains is null || !chains.TryGetValue(table, out var files))
            {
                throw new InvalidOperationException($"state table '{table}' has no previous checkpoint to build on (this is a bug: check CanKeepPrevious)");
            }
            Kept[table] = files;
        }

        public long Epoch { get; } = epoch;

        public int NodeId { get; } = nodeId;

        public int Subtask { get; } = subtask;

        // The part being written, and the table its batches go to now (null: none begun).
        private StateFile.PartWriter? _part;
        private string? _partTable;

        public void WriteTable(string table, Batch rows)
        {
            if (rows.Schema.Count == 0 || rows.Schema[0].Name != StateColumns.KeyHashColumn)
            {
                throw new InvalidOperationException($"state table '{table}' must start with {StateColumns.KeyHashColumn} (this is a bug)");
            }
            WrittenTables.Add(table);
            // A table comes back after another: its rows go on in a new part (a part lists a table once).
            if (_part is not null && _partTable != table && _part.Tables.Contains(table)) FinishPart();
            Begin(table);
            foreach (var batch in StateFile.ByHashRange(rows))
            {
                if (_part!.HasBatches && _part.Length + batch.EstimateSize() > owner.PartBytes)
                {
                    FinishPart();
                    Begin(table);
                }
                _part!.Add(batch);
            }
            if (_part!.Length >= owner.EncodeAfterBytes) FinishPart();
        }

        private void Begin(string table)
        {
            _part ??= new StateFile.PartWriter(Math.Min(owner.EncodeAfterBytes, owner.PartBytes) + EncodeSlack);
            if (_partTable == table) return;
            _part.BeginTable(table);
            _partTable = table;
        }

        /// <summary>Room beyond <see cref="EncodeAfterBytes"/> in a part's buffer: the batch that crosses it (an operator's chunk is well under this).</summary>
        private const long EncodeSlack = 1L << 20;

        /// <summary>Finishes the part being written, if any, and starts its upload; <paramref name="final"/>: also writes an empty part when none was written (a subtask always writes a file).</summary>
        public void EncodeHeld(bool final)
        {
            if (_part is not null)
            {
                FinishPart();
            }
            else if (final && _nextPart == 0)
            {
                using var empty = new StateFile.PartWriter(0);
                Upload(empty.Finish());
            }
        }

        private void FinishPart()
        {
            var part = _part!;
            _part = null;
            _partTable = null;
            try
            {
                Upload(part.Finish());
            }
            finally
            {
                part.Dispose();
            }
        }

        private void Upload(StatePart part)
        {
            while (Uploads.Count(u => !u.IsCompleted) >= UploadsInFlight)
            {
                // Failures surface when the uploads are awaited; here only their end counts.
                Task.WaitAny([.. Uploads.Where(u => !u.IsCompleted)]);
            }
            Uploads.Add(owner.UploadAsync(StatePaths.SubtaskState(Epoch, NodeId, Subtask, _nextPart++), part));
        }
    }

    /// <summary>
    /// Serves one subtask its rows of the restored checkpoint: of each file, only the batches
    /// whose key-hash range overlaps the subtask's are decoded (all of them with <c>allRows</c>),
    /// and rows of other subtasks' ranges are filtered out of those that straddle a boundary.
    /// </summary>
    private sealed class Reader(RestoredCheckpoint restored, int nodeId, int subtask, int parallelism) : IStateReader
    {
        public long? Epoch => restored.Manifest.Epoch;

        public IReadOnlyCollection<string> TableNames => restored.TableNames(nodeId);

        // Tables the operator asked for (read or estimated), for UnaskedTables. The read-ahead
        // thread only enumerates what the operator's thread asked for, but a lock costs nothing here.
        private readonly HashSet<string> _asked = [];

        private void Asked(string table)
        {
            lock (_asked) _asked.Add(table);
        }

        public IReadOnlyCollection<string> UnaskedTables
        {
            get
            {
                lock (_asked) return TableNames.Where(table => !_asked.Contains(table)).ToList();
            }
        }

        private bool Overlaps(StoredBatch stored) =>
            stored.Rows > 0 && KeyRange.SubtaskFor(stored.MinHash, parallelism) <= subtask && subtask <= KeyRange.SubtaskFor(stored.MaxHash, parallelism);

        public long EstimateRows(string table)
        {
            Asked(table);
            long rows = 0;
            foreach (var stored in restored.TableBatches(nodeId, table))
            {
                if (Overlaps(stored)) rows += stored.Rows;
            }
            return rows;
        }

        public long EstimateChainStartRows(string table)
        {
            Asked(table);
            long rows = 0;
            foreach (var file in restored.Files(nodeId))
            {
                if (!restored.StartsChain(file, table)) continue;
                foreach (var stored in file.Batches(table))
                {
                    if (Overlaps(stored)) rows += stored.Rows;
                }
            }
            return rows;
        }

        public IEnumerable<Batch> ReadTable(string table, bool allRows = false)
        {
            Asked(table);
            return Read(table, allRows).Select(read => read.Rows);
        }

        public IEnumerable<(Batch Rows, bool ChainStart)> ReadTableWithChainStarts(string table)
        {
            Asked(table);
            return Read(table, allRows: false);
        }

        private IEnumerable<(Batch Rows, bool ChainStart)> Read(string table, bool allRows)
        {
            foreach (var file in restored.Files(nodeId))
            {
                var chainStart = restored.StartsChain(file, table);
                foreach (var batch in ReadFile(file, table, allRows)) yield return (batch, chainStart);
                // This subtask is done with the file's rows of the table: once every subtask is,
                // for every table, the file's bytes go (a restore then never holds every file
                // and the whole rebuilt table at once). Tables every subtask reads whole (small:
                // positions, pending commits) may be read again later, so they never count:
                // a file holding one stays until the first checkpoint completes.
                if (!allRows) file.Passed(subtask, parallelism, table);
            }
        }

        private IEnumerable<Batch> ReadFile(StateFileContents file, string table, bool allRows)
        {
            foreach (var stored in file.Batches(table))
            {
                if (allRows)
                {
                    yield return stored.Decode();
                    continue;
                }
                if (!Overlaps(stored)) continue;
                var batch = stored.Decode();
                // A batch within this subtask's range (the same parallelism, or a range cut finer) is taken as it is.
                if (KeyRange.SubtaskFor(stored.MinHash, parallelism) == subtask && KeyRange.SubtaskFor(stored.MaxHash, parallelism) == subtask)
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
/// A complete checkpoint read back from the state dir, every state file verified and indexed
/// (where each batch is, its rows and key-hash range) but decoded only as subtasks read their
/// ranges; it is released once the run's first checkpoint completes (by then every operator
/// has opened).
/// </summary>
public sealed class RestoredCheckpoint
{
    private Dictionary<int, List<StateFileContents>> _byNode;

    private readonly IReadOnlyDictionary<string, IReadOnlyCollection<string>> _tablesOf;

    /// <param name="byNode">Per node, its files in the order a restore reads them (<see cref="StatePaths.ReadOrder"/>).</param>
    /// <param name="tablesOf">Per listed file, the tables it holds for this checkpoint (for <see cref="ChainsOf"/>).</param>
    public RestoredCheckpoint(CheckpointManifest manifest, Dictionary<int, List<StateFileContents>> byNode, IReadOnlyDictionary<string, IReadOnlyCollection<string>>? tablesOf = null)
    {
        Manifest = manifest;
        _byNode = byNode;
        _tablesOf = tablesOf ?? new Dictionary<string, IReadOnlyCollection<string>>();
        // A subtask's chain of a table is the file where it wrote the table whole, then the
        // deltas of later epochs (across restarts only at the same parallelism, so one writer's
        // files in a manifest are one chain), so of the files one writer holds the table in,
        // those of the earliest epoch start it.
        foreach (var files in byNode.Values)
        {
            foreach (var writer in files.Where(f => f.Writer.Subtask >= 0).GroupBy(f => f.Writer.Subtask))
            {
                foreach (var table in writer.SelectMany(f => f.TableNames).Distinct())
                {
                    var holding = writer.Where(f => f.TableNames.Contains(table)).ToList();
                    var first = holding.Min(f => f.Writer.Epoch);
                    foreach (var file in holding.Where(f => f.Writer.Epoch == first)) _chainStarts.Add((file, table));
                }
            }
        }
    }

    private readonly HashSet<(StateFileContents File, string Table)> _chainStarts = [];

    /// <summary>
    /// The chains of tables (each table's files in read order: a full write, then deltas) that
    /// subtask <paramref name="subtask"/> of node <paramref name="nodeId"/> wrote up to this
    /// checkpoint, or null unless the node was written at <paramref name="parallelism"/>
    /// (counted from the files of the checkpoint's own epoch: every subtask writes one at each
    /// checkpoint). Tables whose chain holds <paramref name="maxDeltas"/> deltas or more are left out.
    /// </summary>
    public Dictionary<string, List<ManifestFile>>? ChainsOf(int nodeId, int subtask, int parallelism, int maxDeltas)
    {
        var ofNode = Manifest.Files.Where(f => StatePaths.SubtaskOf(f.Key)?.NodeId == nodeId).ToList();
        var writers = ofNode.Where(f => StatePaths.EpochOf(f.Key) == Manifest.Epoch).Select(f => StatePaths.SubtaskOf(f.Key)!.Value.Subtask).Distinct().Count();
        if (writers != parallelism) return null;
        var chains = new Dictionary<string, List<ManifestFile>>();
        foreach (var file in ofNode.Where(f => StatePaths.SubtaskOf(f.Key)!.Value.Subtask == subtask).OrderBy(f => StatePaths.ReadOrder(f.Key)))
        {
            foreach (var table in file.Tables ?? _tablesOf.GetValueOrDefault(file.Key) ?? [])
            {
                if (!chains.TryGetValue(table, out var chain)) chains[table] = chain = [];
                chain.Add(file with { Tables = null });
            }
        }
        foreach (var (table, chain) in chains.ToList())
        {
            if (chain.Select(f => StatePaths.EpochOf(f.Key)).Distinct().Count() - 1 >= maxDeltas) chains.Remove(table);
        }
        return chains;
    }

    /// <summary>Whether <paramref name="file"/>'s rows of <paramref name="table"/> start its writer's chain of it (see <see cref="IStateReader.ReadTableWithChainStarts"/>).</summary>
    public bool StartsChain(StateFileContents file, string table) => _chainStarts.Contains((file, table));

    public CheckpointManifest Manifest { get; }

    /// <summary>Drops the restored files (a reader still enumerating keeps what it has).</summary>
    public void Release() => Volatile.Write(ref _byNode, []);

    public IReadOnlyCollection<string> TableNames(int nodeId) =>
        Volatile.Read(ref _byNode).TryGetValue(nodeId, out var files) ? files.SelectMany(f => f.TableNames).ToHashSet() : [];

    /// <summary>The batches of <paramref name="table"/> of every file of the node, in read order.</summary>
    public IEnumerable<StoredBatch> TableBatches(int nodeId, string table) => Files(nodeId).SelectMany(file => file.Batches(table));

    /// <summary>The node's files, in read order.</summary>
    public IReadOnlyList<StateFileContents> Files(int nodeId) => Volatile.Read(ref _byNode).TryGetValue(nodeId, out var files) ? files : [];
}
