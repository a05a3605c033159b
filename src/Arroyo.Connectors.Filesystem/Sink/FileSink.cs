using System.Collections.Concurrent;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Storage;
using Arroyo.Storage.Cloud;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// Writes rows to files under a store location, exactly once, by two-phase commit. Each
/// subtask keeps one open file per partition; a file's bytes go up as the parts of a
/// multipart upload while it is written (<see cref="PartUploadStream"/>), so nothing is
/// visible yet. A file is finished when the rolling policy says so (size, parts, interval,
/// inactivity, watermark) or when the run stops; checkpoints do not cut files, as the
/// reference's. At each barrier <see cref="PreCommit"/> lists every finished file whose upload
/// is not completed (upload id, parts) and records every open file as far as it goes (upload
/// id, parts uploaded, and the bytes not sent yet followed by what ends the file there — for
/// Parquet the footer of the row groups so far, the current row group being closed first).
/// Once the checkpoint is durable <see cref="OnCommit"/> completes the finished files, making
/// them visible whole; open files go on.
/// </summary>
/// <remarks>
/// <para>Restore: the replayed commit of the restored checkpoint completes its finished files
/// again (completing is idempotent), on subtask 0 for the files of every subtask of the run that
/// took it. The files that checkpoint recorded open hold rows the sources will not replay: subtask
/// 0 ends each as recorded (its trailer uploaded as the part after the recorded ones, so parts
/// the failed run uploaded later are left out) and commits it with the next checkpoint. Other
/// uploads begun after that checkpoint hold rows the sources replay; subtask 0 then aborts every
/// open upload under the location neither recorded nor begun by this process, so nothing of the
/// failed run ever becomes visible, and each row lands in exactly one visible file.</para>
/// <para>A checkpoint that fails is never committed: its files stay pending and the next
/// pre-commit lists them again.</para>
/// </remarks>
internal class FileSink : IOperator
{
    // Upload ids begun by this process: the orphan sweep after a restore must not abort the
    // uploads other subtasks of this run have begun meanwhile. (One process runs all subtasks.)
    private static readonly ConcurrentDictionary<string, byte> s_begunHere = new(StringComparer.Ordinal);

    // The reference's hard limit on a file's parts when multipart.max_parts is not set.
    private const long DefaultMaxParts = 1000;

    private readonly ConnectorTable _table;
    private readonly Schema _input;
    private readonly FileSinkSettings _settings;
    private readonly FormatSettings _format;
    private readonly IReadOnlyList<int>? _updateKeys;
    private readonly Partitioner _partitioner;
    private readonly Dictionary<string, OpenFile> _open = new(StringComparer.Ordinal);
    private readonly List<FinishedFile> _pending = [];
    private FileNamer? _namer;
    private OperatorContext? _context;
    private RetryingObjectStore? _store;
    private long _epoch;

    public FileSink(ConnectorTable table, Schema input, FileSinkSettings settings, IReadOnlyList<int>? updateKeys, Partitioner? partitioner = null)
    {
        _table = table;
        _input = input;
        _settings = settings;
        _format = table.Format ?? new FormatSettings(FormatKind.Json);
        _updateKeys = updateKeys;
        _partitioner = partitioner ?? new Partitioner(settings, input);
        if (_format.Kind == FormatKind.Parquet)
        {
            // Fail at the start, not at the first row, on a type Parquet cannot hold.
            Columnar.ArrowExport.SchemaOf(input, Columnar.ArrowExport.DataColumns(input), table.Name);
            if (input.IsUpdating)
            {
                throw new UserException($"the sink table '{table.Name}' cannot write an updating query as parquet",
                    hint: "use format = 'debezium_json', or make the query append-only");
            }
        }
    }

    /// <summary>Milliseconds of a monotonic clock, what the interval and inactivity rolling policies measure (tests set their own).</summary>
    internal Func<long> Clock { get; init; } = () => Environment.TickCount64;

    protected OperatorContext Context => _context ?? throw new InvalidOperationException("the sink is not open; this is a bug");

    protected IMultipartStore Store => _store ?? throw new InvalidOperationException("the sink is not open; this is a bug");

    protected string TableName => _table.Name;

    public virtual void Open(OperatorContext context)
    {
        _context = context;
        _namer = new FileNamer(_settings, _format.Kind == FormatKind.Parquet ? ".parquet" : ".json", context.SubtaskIndex);
        _epoch = (context.State.Epoch ?? 0) + 1;
        var location = ResolveLocation();
        _store = CreateStore(location, context);
        if (!_store.SupportsMultipart)
        {
            throw new UserException($"table '{_table.Name}' cannot write to {location}: this engine has no multipart uploads for that store yet");
        }
    }

    /// <summary>Where the files go: the table's <c>path</c>, or (table formats with a catalog) what the catalog says when the sink opens.</summary>
    protected virtual StorageLocation ResolveLocation() =>
        _settings.Location ?? throw new InvalidOperationException($"table '{_table.Name}' has no location; this is a bug");

    internal static RetryingObjectStore CreateStore(StorageLocation location, OperatorContext context)
    {
        var retry = RetryPolicyFrom(context.Settings.Config);
        var store = ObjectStoreFactory.Create(location.Url, location.Environment(), new ObjectStoreOptions { Log = context.Warn, Retry = retry });
        return store as RetryingObjectStore ?? new RetryingObjectStore(store, retry, context.Warn);
    }

    /// <summary>The same retries as the state dir's (<c>debug.storage-retry-attempts</c>, <c>debug.storage-retry-delay</c>, which tests shorten).</summary>
    internal static RetryPolicy RetryPolicyFrom(IReadOnlyDictionary<string, string> config)
    {
        var policy = RetryPolicy.Default;
        if (config.TryGetValue("debug.storage-retry-attempts", out var attempts) &&
            int.TryParse(attempts, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            policy = policy with { MaxAttempts = Math.Max(1, count) };
        }
        if (config.TryGetValue("debug.storage-retry-delay", out var text) && Core.Time.Durations.TryParse(text, out var delay))
        {
            policy = policy with { InitialDelay = delay, MaxDelay = delay * 10 };
        }
        return policy;
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var now = Clock();
        foreach (var (partition, rows) in _partitioner.Split(batch))
        {
            if (!_open.TryGetValue(partition, out var file)) _open[partition] = file = OpenNew(partition, now);
            file.Writer.Write(rows);
            if (file.FirstTimestamp is null && rows.RowCount > 0) file.FirstTimestamp = rows.Timestamps[0];
            file.Rows += rows.RowCount;
            file.LastWriteAt = now;
            if ((_settings.RollFileSize is { } size && file.Stream.Length + file.Writer.BufferedBytes >= size) ||
                file.Stream.PartsUploaded >= (_settings.MaxParts ?? DefaultMaxParts) - 1)
            {
                Finish(partition);
            }
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!_settings.WatermarkExpiration || _settings.TimePattern is not { } pattern || watermark.IsIdle || _open.Count == 0) return;
        var bucket = Strftime.Format(pattern, Core.Time.Timestamps.ToDateTime(watermark.Time));
        foreach (var (partition, file) in _open.ToList())
        {
            // As the reference: a watermark past the file's first row in another bucket means no more rows of that bucket come.
            if (file.FirstTimestamp is { } first && watermark.Time > first &&
                Strftime.Format(pattern, Core.Time.Timestamps.ToDateTime(first)) != bucket)
            {
                Finish(partition);
            }
        }
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_open.Count == 0 || (_settings.RollInterval is null && _settings.RollInactivity is null)) return;
        var now = Clock();
        foreach (var (partition, file) in _open.ToList())
        {
            if ((_settings.RollInterval is { } interval && now - file.OpenedAt >= interval.TotalMilliseconds) ||
                (_settings.RollInactivity is { } idle && now - file.LastWriteAt >= idle.TotalMilliseconds))
            {
                Finish(partition);
            }
        }
    }

    public byte[]? PreCommit(CheckpointBarrier barrier)
    {
        // Files stay open across checkpoints; only a stop ends them all.
        if (barrier.ThenStop)
        {
            foreach (var partition in _open.Keys.ToList()) Finish(partition);
        }
        var open = _open.Select(p => Record(p.Key, p.Value)).ToList();
        _epoch = barrier.Epoch + 1;
        return _pending.Count == 0 && open.Count == 0 ? null : new FileCommit(_pending.ToList(), open).Encode();
    }

    /// <summary>
    /// An open file as the checkpoint records it. Its held-back bytes (up to a part) would be
    /// carried in the checkpoint's manifest: once they make a part the store takes, they go up
    /// as one first (unless that would leave no part for the end of the file).
    /// </summary>
    private OpenFileRecord Record(string partition, OpenFile file)
    {
        var trailer = file.Writer.CheckpointTrailer();
        if (file.Stream.PartsUploaded < (_settings.MaxParts ?? DefaultMaxParts) - 2) file.Stream.SendHeldBytes((int)FileSinkSettings.MinimumPartSize);
        return file.Stream.Record(file.Rows, partition, trailer) with { PartitionValues = _partitioner.ValuesOf(partition) };
    }

    public void OnCommit(long epoch, CommitData data)
    {
        if (data.IsReplay)
        {
            if (Context.SubtaskIndex != 0) return;
            var commits = data.BySubtask.Values.Select(FileCommit.Decode).ToList();
            var files = commits.SelectMany(c => c.Files).ToList();
            Complete(files);
            Publish(epoch, files, replay: true);
            var recovered = commits.SelectMany(c => c.Open)
                .Select(f => PartUploadStream.FinishRecorded(Store, f)).ToList();
            _pending.AddRange(recovered);
            if (recovered.Count > 0) Context.Log($"finished {recovered.Count} file(s) the restored checkpoint left open; they are committed with the next checkpoint");
            AbortOrphans([.. files, .. recovered]);
            return;
        }
        var own = data.For(Context.SubtaskIndex) is { } bytes ? FileCommit.Decode(bytes).Files : [];
        var done = own.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        _pending.RemoveAll(f => done.Contains(f.Key));
        if (!CommitsOnSubtaskZero)
        {
            Complete(own);
            return;
        }
        if (Context.SubtaskIndex != 0) return;
        var all = data.BySubtask.OrderBy(p => p.Key).SelectMany(p => FileCommit.Decode(p.Value).Files).ToList();
        Complete(all);
        Publish(epoch, all, replay: false);
    }

    /// <summary>
    /// False: each subtask completes its own uploads (in parallel). True (table formats): subtask
    /// 0 completes every subtask's and then <see cref="Publish"/>es them together, so the table
    /// never names a file that is not there yet.
    /// </summary>
    protected virtual bool CommitsOnSubtaskZero => false;

    /// <summary>On subtask 0, once every file of <paramref name="epoch"/> is complete: table formats record them here. Idempotent, as commits are.</summary>
    protected virtual void Publish(long epoch, IReadOnlyList<FinishedFile> files, bool replay)
    {
    }

    public void OnEnd(IOutput output)
    {
        // The final checkpoint that follows the end of input finishes and commits the open files.
    }

    public virtual void Close()
    {
        foreach (var file in _open.Values)
        {
            file.Stream.Abandon();
            file.Writer.Dispose();
        }
        _open.Clear();
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store = null;
    }

    private OpenFile OpenNew(string partition, long now)
    {
        var key = _namer!.Next(partition, _epoch);
        var stream = new PartUploadStream(Store, key, (int)_settings.PartSize, id => s_begunHere.TryAdd(id, 0), _store!.Inner as IAppendingMultipartStore);
        return new OpenFile(stream, CreateWriter(stream, _input, _settings), now);
    }

    /// <summary>The encoder of one file's bytes (table formats adjust the Parquet schema).</summary>
    protected virtual FileFormatWriter CreateWriter(Stream stream, Schema input, FileSinkSettings settings) =>
        _format.Kind == FormatKind.Parquet
            ? new ParquetFileWriter(stream, input, settings, _table.Name)
            : new LineFileWriter(stream, RecordEncoder.Create(_format, input, _updateKeys));

    private void Finish(string partition)
    {
        var file = _open[partition];
        _open.Remove(partition);
        file.Writer.Finish();
        file.Writer.Dispose();
        _pending.Add(file.Stream.Finish(file.Rows, partition) with { PartitionValues = _partitioner.ValuesOf(partition) });
    }

    private void Complete(IReadOnlyList<FinishedFile> files)
    {
        files = files.Where(f => f.UploadId.Length > 0).ToList();
        if (files.Count == 0) return;
        var store = Store;
        Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (file, ct) => await store.CompleteUploadAsync(file.Key, file.UploadId, file.Parts, ct).ConfigureAwait(false))
            .GetAwaiter().GetResult();
    }

    /// <summary>Aborts the uploads under the location that neither the restored checkpoint lists nor this process began.</summary>
    private void AbortOrphans(IReadOnlyList<FinishedFile> committed)
    {
        var keep = committed.Select(f => f.UploadId).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<OpenUpload> uploads;
        try
        {
            uploads = Store.ListUploadsAsync("").GetAwaiter().GetResult();
        }
        catch (ObjectStoreException e)
        {
            // Unfinished uploads are invisible to readers; failing to list them only leaves storage to reclaim.
            Context.Warn($"cannot list unfinished uploads of the failed run to abort them: {e.Message}");
            return;
        }
        var orphans = uploads.Where(u => !keep.Contains(u.UploadId) && !s_begunHere.ContainsKey(u.UploadId)).ToList();
        foreach (var upload in orphans)
        {
            try
            {
                Store.AbortUploadAsync(upload.Key, upload.UploadId).GetAwaiter().GetResult();
            }
            catch (ObjectStoreException e)
            {
                Context.Warn($"cannot abort the unfinished upload of '{upload.Key}': {e.Message}");
            }
        }
        if (orphans.Count > 0) Context.Log($"aborted {orphans.Count} unfinished upload(s) of the failed run");
    }
}
