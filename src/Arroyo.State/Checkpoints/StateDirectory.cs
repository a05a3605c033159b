using System.Diagnostics;
using Arroyo.Core.Errors;
using Arroyo.State.Files;
using Arroyo.Storage;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// Opens a state dir for a run: checks it belongs to this pipeline (or takes it over with
/// --force), takes the lease, and finds the newest readable complete checkpoint.
/// </summary>
public static class StateDirectory
{
    public sealed record OpenOptions(string Query, string Name, int Parallelism, bool Force, Action<string> Log);

    public static async Task<(CheckpointStore Store, StateLease Lease)> OpenAsync(IObjectStore store, OpenOptions options, CancellationToken cancel = default)
    {
        var lease = await StateLease.AcquireAsync(store, cancel);
        try
        {
            var restored = await PrepareAsync(store, options, cancel);
            return (new CheckpointStore(store, restored, options.Log), lease);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    private static async Task<RestoredCheckpoint?> PrepareAsync(IObjectStore store, OpenOptions options, CancellationToken cancel)
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
        if (existingBytes is null)
        {
            var stray = await store.ListAsync(StatePaths.CheckpointsPrefix, cancel);
            if (stray.Count > 0 && !options.Force)
            {
                throw new UserException(
                    $"the state dir {store.Description} has checkpoints but no pipeline.json, so it cannot tell which pipeline they belong to",
                    hint: "use a fresh state dir, or pass --force to discard that state and start fresh");
            }
            if (stray.Count > 0) await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            await WriteRecordAsync(store, record, cancel);
            options.Log($"starting fresh: no state in {store.Description} yet");
            return null;
        }

        PipelineRecord existing;
        try
        {
            existing = System.Text.Json.JsonSerializer.Deserialize(existingBytes, ManifestJson.Default.PipelineRecord)
                ?? throw new InvalidDataException("empty");
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or InvalidDataException)
        {
            if (!options.Force)
            {
                throw new UserException($"the state dir's pipeline.json is damaged ({error.Message})",
                    hint: "pass --force to discard the state and start fresh");
            }
            existing = new PipelineRecord();
        }

        if (existing.QueryHash != record.QueryHash)
        {
            if (!options.Force)
            {
                throw new UserException(
                    $"the state dir {store.Description} belongs to a different pipeline" +
                    (existing.Name.Length > 0 ? $" ('{existing.Name}')" : "") + ": its query differs from this one:\n" +
                    QueryDiff.Describe(existing.Query, options.Query),
                    hint: "use another --state-dir for a new pipeline, or pass --force to discard that state and start this pipeline fresh");
            }
            options.Log("--force: discarding the state of a different pipeline and starting fresh");
            await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            await WriteRecordAsync(store, record, cancel);
            return null;
        }

        var restored = await FindNewestReadableAsync(store, options.Log, cancel);
        if (restored is null)
        {
            var leftovers = await store.ListAsync(StatePaths.CheckpointsPrefix, cancel);
            if (leftovers.Any(o => StatePaths.IsManifest(o.Key)))
            {
                if (!options.Force)
                {
                    throw new UserException(
                        $"the state dir {store.Description} has checkpoints, but none of them can be read",
                        hint: "pass --force to discard the damaged state and start fresh");
                }
                options.Log("--force: discarding unreadable checkpoints and starting fresh");
                await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            }
            else if (leftovers.Count > 0)
            {
                // A run that never completed a checkpoint: nothing was committed, start over.
                await store.DeletePrefixAsync(StatePaths.CheckpointsPrefix, cancel);
            }
            if (existing.Parallelism != options.Parallelism || existing.Name != options.Name)
            {
                await WriteRecordAsync(store, record with { CreatedAt = existing.CreatedAt }, cancel);
            }
            options.Log("starting fresh: the state dir has no complete checkpoint yet");
            return null;
        }

        if (existing.Parallelism != options.Parallelism || existing.Name != options.Name)
        {
            await WriteRecordAsync(store, record with { CreatedAt = existing.CreatedAt }, cancel);
        }
        options.Log($"restoring from checkpoint {restored.Manifest.Epoch}" +
            (existing.Parallelism != options.Parallelism ? $" (taken at parallelism {existing.Parallelism}, now {options.Parallelism})" : ""));
        return restored;
    }

    private static async Task WriteRecordAsync(IObjectStore store, PipelineRecord record, CancellationToken cancel) =>
        await store.PutAsync(StatePaths.Pipeline,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, ManifestJson.Default.PipelineRecord), cancel);

    /// <summary>The newest complete checkpoint whose every file is present and readable; older ones are tried in turn.</summary>
    private static async Task<RestoredCheckpoint?> FindNewestReadableAsync(IObjectStore store, Action<string> log, CancellationToken cancel)
    {
        var objects = await store.ListAsync(StatePaths.CheckpointsPrefix, cancel);
        var sizes = objects.ToDictionary(o => o.Key, o => o.Size);
        var manifests = objects.Where(o => StatePaths.IsManifest(o.Key))
            .OrderByDescending(o => StatePaths.EpochOf(o.Key)).ToList();
        foreach (var manifestObject in manifests)
        {
            try
            {
                var manifest = CheckpointManifest.Deserialize(await store.GetRequiredAsync(manifestObject.Key, cancel));
                if (manifest.FormatVersion != CheckpointManifest.CurrentFormatVersion)
                {
                    throw new InvalidDataException($"manifest format version {manifest.FormatVersion} is not supported");
                }
                var byNode = new Dictionary<int, List<Dictionary<string, List<Core.Batch>>>>();
                foreach (var file in manifest.Files)
                {
                    if (!sizes.TryGetValue(file.Key, out var size)) throw new InvalidDataException($"{file.Key} is missing");
                    if (size != file.Size) throw new InvalidDataException($"{file.Key} has {size} bytes, expected {file.Size}");
                    var tables = StateFile.Read(await store.GetRequiredAsync(file.Key, cancel));
                    var nodeId = NodeIdOf(file.Key);
                    if (!byNode.TryGetValue(nodeId, out var list)) byNode[nodeId] = list = [];
                    list.Add(tables);
                }
                return new RestoredCheckpoint(manifest, byNode);
            }
            catch (Exception error) when (error is InvalidDataException or System.Text.Json.JsonException or ObjectStoreException)
            {
                log($"warning: checkpoint {StatePaths.EpochOf(manifestObject.Key)} cannot be restored ({error.Message}); trying an older one");
            }
        }
        return null;
    }

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
