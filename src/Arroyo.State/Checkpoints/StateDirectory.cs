using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.State.Files;
using Arroyo.Storage;
using Microsoft.Extensions.Logging;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// Opens a state dir for a run: checks it belongs to this pipeline (or takes it over with
/// --force), takes the lease, and finds the newest readable complete checkpoint.
/// </summary>
public static class StateDirectory
{
    /// <param name="DiscardCheckpoints">Start fresh even where the checkpoints are this query's (after --force met one this build cannot restore).</param>
    public sealed record OpenOptions(string Query, string Name, int Parallelism, bool Force, ILogger Log, bool DiscardCheckpoints = false);

    public static async Task<(CheckpointStore Store, StateLease Lease)> OpenAsync(IObjectStore store, OpenOptions options, CancellationToken cancel = default)
    {
        var lease = await StateLease.AcquireAsync(store, cancel);
        try
        {
            var (restored, record) = await PrepareAsync(store, options, cancel);
            return (new CheckpointStore(store, restored, options.Log, record), lease);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Decides between restore, fresh start and refusal. The rule that keeps committed output
    /// safe: a fresh start (which makes sinks rewrite their output) happens only where nothing
    /// was ever committed — no pipeline.json, or one that never saw a checkpoint complete and
    /// no manifest — or with --force. Where committed state should be but cannot be read, the
    /// run is refused instead.
    /// </summary>
    private static async Task<(RestoredCheckpoint? Restored, PipelineRecord Record)> PrepareAsync(IObjectStore store, OpenOptions options, CancellationToken cancel)
    {
        var record = new PipelineRecord
        {
            Name = options.Name,
            Query = options.Query,
            QueryHash = PipelineRecord.HashQuery(options.Query),
            Parallelism = options.Parallelism,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var existingBytes = await store.GetAsync(StatePaths.Pipeline, cancel);
        var objects = await store.ListAsync(StatePaths.CheckpointsPrefix, cancel);
        var hasManifest = false;
        foreach (var o in objects) hasManifest |= StatePaths.IsManifest(o.Key);
        if (existingBytes is null)
        {
            if (objects.Count > 0 && !options.Force)
            {
                throw new UserException(
                    $"the state dir {store.Description} has checkpoints but no {StatePaths.Pipeline}, so it cannot tell which pipeline they belong to",
                    hint: "use a fresh state dir, or pass --force to discard that state and start fresh");
            }
            if (objects.Count > 0)
            {
                options.Log.Info($"--force: discarding the checkpoints of an unknown pipeline and starting fresh");
                await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            }
            await WriteRecordAsync(store, record, cancel);
            options.Log.Info($"starting fresh: no state in {store.Description} yet");
            return (null, record);
        }

        PipelineRecord existing;
        try
        {
            existing = PipelineRecord.Deserialize(existingBytes);
        }
        catch (InvalidDataException error)
        {
            if (!options.Force)
            {
                throw new UserException($"the state dir {store.Description} cannot be used: its {StatePaths.Pipeline} is damaged or unreadable ({error.Message})",
                    hint: "pass --force to discard the state and start fresh");
            }
            options.Log.Info($"--force: discarding the state under a damaged {StatePaths.Pipeline}");
            existing = new PipelineRecord { Checkpointed = true };
        }

        // Claimed: the dir holds (or held) committed state of the pipeline in pipeline.json.
        var claimed = existing.Checkpointed || hasManifest;
        if (existing.QueryHash != record.QueryHash)
        {
            if (claimed && !options.Force)
            {
                throw new UserException(
                    $"the state dir {store.Description} belongs to a different pipeline" +
                    (existing.Name.Length > 0 ? $" ('{existing.Name}')" : "") + ": its query differs from this one:\n" +
                    QueryDiff.Describe(existing.Query, options.Query),
                    hint: "use another --state-dir for a new pipeline, or pass --force to discard that state and start this pipeline fresh");
            }
            options.Log.Info(claimed
                ? "--force: discarding the state of a different pipeline and starting fresh"
                : "the state dir's previous pipeline never completed a checkpoint: starting this one fresh in its place");
            return await DiscardAndStartFreshAsync(store, objects.Count > 0, record, cancel);
        }

        if (options.DiscardCheckpoints)
        {
            options.Log.Info("--force: discarding the checkpoints this build cannot restore and starting fresh (sinks write their output anew)");
            return await DiscardAndStartFreshAsync(store, objects.Count > 0, record, cancel);
        }

        var restored = await FindNewestReadableAsync(store, objects, options.Log, cancel);
        if (restored is null)
        {
            if (hasManifest || existing.Checkpointed)
            {
                if (!options.Force)
                {
                    throw hasManifest
                        ? new UserException(
                            $"the state dir {store.Description} has checkpoints, but none of them can be read (see the warnings above)",
                            hint: "pass --force to discard the damaged state and start fresh (sinks then write their output anew)")
                        : new UserException(
                            $"the state dir {store.Description} has no complete checkpoint left, but its {StatePaths.Pipeline} says this pipeline " +
                            "completed checkpoints before: their manifests were deleted or lost",
                            hint: "put the missing checkpoints/ files back, or pass --force to discard what is left and start fresh (sinks then write their output anew)");
                }
                options.Log.Info(hasManifest ? "--force: discarding unreadable checkpoints and starting fresh" : "--force: discarding incomplete checkpoints and starting fresh");
                var started = await DiscardAndStartFreshAsync(store, objects.Count > 0, record, cancel);
                options.Log.Info("starting fresh: the state dir has no complete checkpoint");
                return started;
            }
            if (objects.Count > 0)
            {
                // A run that never completed a checkpoint: nothing was committed, start over.
                await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            }
            var fresh = record with { CreatedAt = existing.CreatedAt };
            if (existing.Parallelism != options.Parallelism || existing.Name != options.Name) await WriteRecordAsync(store, fresh, cancel);
            options.Log.Info("starting fresh: the state dir has no complete checkpoint yet");
            return (null, fresh);
        }

        var current = record with { CreatedAt = existing.CreatedAt, Checkpointed = true };
        if (existing.Parallelism != options.Parallelism || existing.Name != options.Name || !existing.Checkpointed)
        {
            await WriteRecordAsync(store, current, cancel);
        }
        options.Log.Info($"restoring from checkpoint {restored.Manifest.Epoch}" +
            (existing.Parallelism != options.Parallelism ? $" (taken at parallelism {existing.Parallelism}, now {options.Parallelism})" : ""));
        return (restored, current);
    }

    private static async Task WriteRecordAsync(IObjectStore store, PipelineRecord record, CancellationToken cancel) =>
        await store.PutAsync(StatePaths.Pipeline, record.Serialize(), cancel);

    /// <summary>A fresh start in a dir whose state is given up: its checkpoints deleted, then <paramref name="record"/> written.</summary>
    private static async Task<(RestoredCheckpoint? Restored, PipelineRecord Record)> DiscardAndStartFreshAsync(
        IObjectStore store, bool hasCheckpointFiles, PipelineRecord record, CancellationToken cancel)
    {
        if (hasCheckpointFiles) await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
        await WriteRecordAsync(store, record, cancel);
        return (null, record);
    }

    /// <summary>
    /// The newest complete checkpoint whose every file is present, of the listed size and
    /// checksum, and well-formed (its tables and batches where its header says); older ones are
    /// tried in turn. Every file is verified here, before the engine starts, so the choice of
    /// checkpoint is final: operators never meet damaged state. The batches are decoded later,
    /// each by the subtasks whose key range it overlaps (<see cref="StateFile.Open"/>). Damage
    /// of any kind skips the checkpoint with a warning naming the file; only failures of the
    /// store itself (it cannot be reached) end the open, since they say nothing about the checkpoint.
    /// </summary>
    private static async Task<RestoredCheckpoint?> FindNewestReadableAsync(IObjectStore store, IReadOnlyList<ObjectInfo> objects, ILogger log, CancellationToken cancel)
    {
        var sizes = objects.ToDictionary(o => o.Key, o => o.Size);
        var manifests = objects.Where(o => StatePaths.IsManifest(o.Key))
            .OrderByDescending(o => StatePaths.EpochOf(o.Key)).ToList();
        foreach (var manifestObject in manifests)
        {
            var epoch = StatePaths.EpochOf(manifestObject.Key)!.Value;
            var file = manifestObject.Key;
            try
            {
                var manifest = CheckpointManifest.Deserialize(await store.GetRequiredAsync(file, cancel));
                if (manifest.Epoch != epoch) throw new InvalidDataException($"it is the manifest of epoch {manifest.Epoch}");
                var byNode = new Dictionary<int, List<StateFileContents>>();
                var tablesOf = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                // In the order written: by epoch (a carried file before the deltas after it),
                // then subtask and part, so that an incremental table's rows apply in order.
                var listedFiles = manifest.Files.OrderBy(f => StatePaths.ReadOrder(f.Key)).ToList();
                foreach (var listed in listedFiles)
                {
                    file = listed.Key;
                    var fileEpoch = StatePaths.EpochOf(file);
                    if (fileEpoch is null || StatePaths.SubtaskOf(file) is null) throw new InvalidDataException("not a state file");
                    if (fileEpoch > epoch || (fileEpoch < epoch && listed.Tables is null)) throw new InvalidDataException("not a file of this checkpoint");
                    if (!sizes.TryGetValue(file, out var size)) throw new InvalidDataException("missing");
                    if (size != listed.Size) throw new InvalidDataException($"{size} bytes, {listed.Size} expected");
                }
                var opened = await ReadAndVerifyAsync(store, listedFiles, cancel);
                for (var i = 0; i < listedFiles.Count; i++)
                {
                    file = listedFiles[i].Key;
                    if (opened[i].Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    var tables = opened[i].Contents!.WrittenBy(StatePaths.EpochOf(file)!.Value, StatePaths.SubtaskOf(file)!.Value.Subtask);
                    // A file of an earlier checkpoint: only the tables this one builds on.
                    if (listedFiles[i].Tables is { } carried) tables = tables.Only(carried);
                    tablesOf[file] = [.. tables.TableNames];
                    var nodeId = NodeIdOf(file);
                    if (!byNode.TryGetValue(nodeId, out var list)) byNode[nodeId] = list = [];
                    list.Add(tables);
                }
                log.Info($"checkpoint {epoch}: {manifest.Files.Count} state files, {manifest.Files.Sum(f => f.Size)} bytes read and verified in " +
                    $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
                return new RestoredCheckpoint(manifest, byNode, tablesOf);
            }
            catch (Exception error) when (IsDamage(error, cancel))
            {
                log.Warn($"checkpoint {epoch} cannot be restored ({file} in {store.Description}: {error.Message}); " +
                    (manifestObject == manifests[^1] ? "no older checkpoint to fall back to" : "falling back to an older checkpoint"));
            }
        }
        return null;
    }

    /// <summary>
    /// Reads and verifies the files, several at a time: while one file's bytes are checked
    /// another is being read (from a disk this overlaps the copy out of the page cache with the
    /// checksum; from an object store the requests' latencies). Each result is the file's contents
    /// or what went wrong with it, in the order given, so the first damaged file in that order is
    /// the one reported. From a store that reads files again cheaply (a local directory) the
    /// files pass through a few reused buffers and are read again as they are decoded; from
    /// any other store each is held until every subtask has decoded its part of it.
    /// </summary>
    private static async Task<(StateFileContents? Contents, Exception? Error)[]> ReadAndVerifyAsync(
        IObjectStore store, IReadOnlyList<ManifestFile> files, CancellationToken cancel)
    {
        var results = new (StateFileContents?, Exception?)[files.Count];
        if (((store as RetryingObjectStore)?.Inner ?? store) is IRereadableStore local)
        {
            await VerifyInPlaceAsync(local, files, results, cancel).ConfigureAwait(false);
            return results;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(2 * Environment.ProcessorCount, 4, 16), CancellationToken = cancel };
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), options, async (i, ct) =>
        {
            try
            {
                results[i] = (StateFile.Open(await store.GetRequiredAsync(files[i].Key, ct).ConfigureAwait(false), files[i].Checksum, files[i].Key), null);
            }
            catch (Exception error) when (IsDamage(error, ct))
            {
                results[i] = (null, error);
            }
        }).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Verifies local files one per core, each worker reading into one buffer it reuses: a
    /// read is then a copy out of the page cache, where reading into fresh arrays cost several
    /// times more in page faults than the copy and the checksum together. Only each file's
    /// index (where its batches are) is kept; the bytes are read again at decode time.
    /// </summary>
    private static Task VerifyInPlaceAsync(IRereadableStore store, IReadOnlyList<ManifestFile> files, (StateFileContents?, Exception?)[] results, CancellationToken cancel)
    {
        var largest = files.Count == 0 ? 0 : files.Max(f => f.Size);
        var next = -1;
        void Worker()
        {
            byte[]? buffer = null;
            try
            {
                for (var i = Interlocked.Increment(ref next); i < files.Count; i = Interlocked.Increment(ref next))
                {
                    cancel.ThrowIfCancellationRequested();
                    var file = files[i];
                    try
                    {
                        if (file.Size > Array.MaxLength) throw new InvalidDataException($"{file.Size} bytes: larger than one state file can be");
                        buffer ??= PartBufferPool.Rent((int)largest);
                        var size = (int)file.Size;
                        ReadWhole(store, file.Key, buffer.AsSpan(0, size));
                        results[i] = (StateFile.Open(buffer, size, file.Checksum, file.Key, () => Reread(store, file)), null);
                    }
                    catch (Exception error) when (IsDamage(error, cancel))
                    {
                        results[i] = (null, error);
                    }
                }
            }
            finally
            {
                if (buffer is not null) PartBufferPool.Return(buffer);
            }
        }
        var workers = Math.Min(Environment.ProcessorCount, files.Count);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Worker, cancel)));
    }

    /// <summary>A state file read again for decoding, into a pooled buffer, and checked against the checksum it had when verified.</summary>
    private static byte[] Reread(IRereadableStore store, ManifestFile file)
    {
        var size = (int)file.Size;
        var buffer = PartBufferPool.Rent(size);
        try
        {
            ReadWhole(store, file.Key, buffer.AsSpan(0, size));
            StateFile.Verify(buffer, size, file.Checksum);
            return buffer;
        }
        catch (Exception error)
        {
            PartBufferPool.Return(buffer);
            throw error is InvalidDataException
                ? new InvalidDataException($"{file.Key} changed after the restore verified it ({error.Message})", error)
                : error;
        }
    }

    private static void ReadWhole(IRereadableStore store, string key, Span<byte> destination)
    {
        var length = store.ReadInto(key, destination) ?? throw new InvalidDataException("missing");
        if (length != destination.Length) throw new InvalidDataException($"{length} bytes, {destination.Length} expected");
    }

    /// <summary>Whether a failure while reading a checkpoint means the checkpoint is damaged (rather than the store unreachable or the run stopped).</summary>
    private static bool IsDamage(Exception error, CancellationToken cancel) => error switch
    {
        OperationCanceledException when cancel.IsCancellationRequested => false,
        OutOfMemoryException => false,
        ObjectNotFoundException => true,
        ObjectStoreException => false,
        _ => true,
    };

    private static int NodeIdOf(string key)
    {
        var start = key.IndexOf("/node-", StringComparison.Ordinal) + "/node-".Length;
        var end = key.IndexOf('/', start);
        return int.Parse(key.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A short line diff of two queries for the "different pipeline" error.</summary>
internal static class QueryDiff
{
    public static string Describe(string before, string after)
    {
        var oldLines = Lines(before);
        var newLines = Lines(after);
        var removed = oldLines.Except(newLines).Take(10).Select(l => "  - " + l);
        var added = newLines.Except(oldLines).Take(10).Select(l => "  + " + l);
        var diff = string.Join("\n", removed.Concat(added));
        return diff.Length > 0 ? diff : "  (the queries differ only in layout within a line)";
    }

    private static List<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
