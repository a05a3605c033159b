using System.IO.Compression;
using System.Text.RegularExpressions;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;
using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Source;

/// <summary>
/// Reads every file under the location once (those matching <c>source.regex_pattern</c>, if
/// given, and no hidden ones: a path segment starting with '.' or '_' is hidden, as
/// <c>_delta_log</c> and unfinished uploads are), then finishes. Files are shared among the
/// subtasks by size (<see cref="OwnedFiles"/>), each file read whole by one subtask. The
/// checkpointed state holds, per file, how many records were read and whether it is done, so a
/// restore (at any parallelism) skips finished files and resumes a file at its next record.
/// </summary>
internal sealed class FileSource : ISource
{
    internal const string StateTable = "fs";

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("key", DataType.Utf8, false),
        new Field("records", DataType.Int64, false),
        new Field("done", DataType.Boolean, false),
    ]);

    private readonly ConnectorTable _table;
    private readonly FileSourceSettings _settings;
    private readonly Schema _output;
    private readonly Regex? _pattern;
    private readonly Dictionary<string, (long Records, bool Done)> _progress = new(StringComparer.Ordinal);
    private readonly Queue<string> _files = new();
    private OperatorContext? _context;
    private IObjectStore? _store;
    private RecordReader? _reader;
    private string? _currentKey;
    private long _dropped;
    private int _batchSize;

    public FileSource(ConnectorTable table, FileSourceSettings settings, Schema output)
    {
        _table = table;
        _settings = settings;
        _output = output;
        _pattern = settings.RegexPattern is null ? null : new Regex(settings.RegexPattern);
    }

    private string Where(string key) => _settings.Location.Url.Append(key).ToString();

    public void Open(OperatorContext context)
    {
        _context = context;
        _batchSize = Math.Max(1, context.Settings.BatchSize);
        var url = _settings.Location.Url;
        if (url.IsLocal && !Directory.Exists(url.LocalPath))
        {
            throw new UserException(File.Exists(url.LocalPath)
                ? $"the path '{url.LocalPath}' of table '{_table.Name}' is a file; the filesystem source reads a directory"
                : $"the path '{url.LocalPath}' of table '{_table.Name}' does not exist");
        }
        _store = FileSink.CreateStore(_settings.Location, context);
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var keys = (StringColumn)batch.Columns[1];
            var records = (PrimitiveColumn<long>)batch.Columns[2];
            var done = (PrimitiveColumn<bool>)batch.Columns[3];
            for (var r = 0; r < batch.RowCount; r++) _progress[keys.GetString(r)] = (records[r], done[r]);
        }
        IReadOnlyList<ObjectInfo> objects;
        try
        {
            objects = _store.ListAsync("").GetAwaiter().GetResult();
        }
        catch (ObjectStoreException e)
        {
            throw new ExternalException($"cannot list the files of table '{_table.Name}' under {url}: {e.Message}");
        }
        var candidates = objects.Where(o => !IsHidden(o.Key) && (_pattern is null || _pattern.IsMatch(o.Key))).ToList();
        var mine = OwnedFiles(candidates, context.SubtaskIndex, context.Parallelism);
        foreach (var key in mine)
        {
            if (_progress.TryGetValue(key, out var progress) && progress.Done) continue;
            _files.Enqueue(key);
        }
        var owned = mine.Count;
        // Only this subtask's files stay in its state (a file no longer listed: by the hash of its key).
        var listed = candidates.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var ownedKeys = mine.ToHashSet(StringComparer.Ordinal);
        foreach (var key in _progress.Keys.ToList())
        {
            var keep = listed.Contains(key) ? ownedKeys.Contains(key) : KeyRange.Owns(context.SubtaskIndex, context.Parallelism, KeyHasher.HashString(key));
            if (!keep) _progress.Remove(key);
        }
        if (context.SubtaskIndex == 0 && objects.Count == 0) context.Warn($"no files under {url}");
        context.Log($"{_files.Count} of {owned} file(s) to read under {url}");
    }

    /// <summary>
    /// The files subtask <paramref name="subtask"/> reads: largest first to the subtask with the
    /// fewest bytes so far, so that a few files of unequal size still spread evenly (by the hash
    /// of their names, two files land on one subtask of two half the time). Every subtask lists
    /// the same files and so computes the same assignment; in the listing's key order.
    /// </summary>
    internal static List<string> OwnedFiles(IReadOnlyList<ObjectInfo> files, int subtask, int parallelism)
    {
        var load = new long[parallelism];
        var mine = new List<string>();
        foreach (var file in files.OrderByDescending(f => f.Size).ThenBy(f => f.Key, StringComparer.Ordinal))
        {
            var target = 0;
            for (var i = 1; i < parallelism; i++)
            {
                if (load[i] < load[target]) target = i;
            }
            load[target] += Math.Max(1, file.Size);
            if (target == subtask) mine.Add(file.Key);
        }
        mine.Sort(StringComparer.Ordinal);
        return mine;
    }

    private static bool IsHidden(string key) => key.Split('/').Any(s => s.StartsWith('.') || s.StartsWith('_'));

    public SourceStatus Poll(IOutput output)
    {
        while (true)
        {
            if (_reader is null)
            {
                if (!_files.TryDequeue(out var key))
                {
                    if (_dropped > 0) _context!.Warn($"dropped {_dropped} record(s) that did not parse");
                    return SourceStatus.Finished;
                }
                OpenFile(key);
                if (_reader is null) continue;
            }
            Batch? batch;
            try
            {
                batch = _reader.Next(_batchSize, Timestamps.Now());
            }
            catch (Exception e) when (e is ParquetSharp.ParquetException or IOException or InvalidDataException or ObjectStoreException)
            {
                batch = null;
                if (!SkipBadFile(_currentKey!, e)) throw BadFile(_currentKey!, e);
                _progress[_currentKey!] = (_reader.Records, true);
                CloseReader();
                continue;
            }
            _progress[_currentKey!] = (_reader.Records, batch is null);
            if (batch is null)
            {
                CloseReader();
                continue;
            }
            output.Emit(batch);
            return SourceStatus.Continue;
        }
    }

    private void OpenFile(string key)
    {
        _currentKey = key;
        var skip = _progress.TryGetValue(key, out var progress) ? progress.Records : 0;
        if (skip > 0) _context!.Log($"resuming {Where(key)} after record {skip}");
        try
        {
            var stream = _store!.OpenReadAsync(key).GetAwaiter().GetResult()
                ?? throw new UserException($"cannot read '{Where(key)}' for table '{_table.Name}': the file was deleted while the pipeline ran");
            var format = _table.Format ?? new FormatSettings(FormatKind.Json);
            if (format.Kind == FormatKind.Parquet)
            {
                // Parquet is read from the end (the footer): it needs a seekable file.
                if (!stream.CanSeek) stream = Spill(stream);
                _reader = new ParquetRecordReader(stream, _output, skip, Where(key), _table.Name);
            }
            else
            {
                stream = _settings.Compression switch
                {
                    SourceCompression.Gzip => new GZipStream(stream, CompressionMode.Decompress),
                    SourceCompression.Zstd => new ZstdSharp.DecompressionStream(stream),
                    _ => stream,
                };
                _reader = new LineRecordReader(stream, RecordDecoder.Create(format, _output), skip, (line, error) => BadRecord(key, line, error));
            }
        }
        catch (Exception e) when (e is ParquetSharp.ParquetException or IOException or InvalidDataException)
        {
            if (!SkipBadFile(key, e)) throw BadFile(key, e);
            _progress[key] = (0, true);
            CloseReader();
        }
        catch (ObjectStoreException e)
        {
            throw new ExternalException($"cannot read '{Where(key)}' for table '{_table.Name}': {e.Message}");
        }
    }

    private Stream Spill(Stream stream)
    {
        var temp = Path.GetTempFileName();
        using (stream)
        {
            using var file = File.Create(temp);
            stream.CopyTo(file);
        }
        return new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose);
    }

    private Exception? BadRecord(string key, long line, string error)
    {
        if (_table.BadData == BadDataPolicy.Drop)
        {
            _dropped++;
            _context!.Metrics.DeserializationError();
            return null;
        }
        return new BadDataException($"bad data in {Where(key)} line {line} (table '{_table.Name}'): {error}");
    }

    private bool SkipBadFile(string key, Exception e)
    {
        if (_table.BadData != BadDataPolicy.Drop) return false;
        _context!.Warn($"skipping {Where(key)}, which cannot be read: {Reason(e)}");
        _context.Metrics.DeserializationError();
        return true;
    }

    private UserException BadFile(string key, Exception e) =>
        new BadDataException($"cannot read '{Where(key)}' for table '{_table.Name}' as {_table.Format?.Name ?? "json"}: {Reason(e)}");

    private static string Reason(Exception e) => e switch
    {
        ParquetSharp.ParquetException p => "not a valid Parquet file (" + p.Message.Split('\n')[0].Trim() + ")",
        InvalidDataException => "the compressed data is corrupt (" + e.Message + ")",
        _ => e.Message,
    };

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_progress.Count == 0) return;
        var keys = _progress.Keys.ToList();
        var columns = new Column[]
        {
            new PrimitiveColumn<ulong>(DataType.UInt64, keys.Select(KeyHasher.HashString).ToArray()),
            StringColumn.FromStrings(keys),
            new PrimitiveColumn<long>(DataType.Int64, keys.Select(k => _progress[k].Records).ToArray()),
            new PrimitiveColumn<bool>(DataType.Boolean, keys.Select(k => _progress[k].Done).ToArray()),
        };
        state.WriteTable(StateTable, new Batch(s_stateSchema, columns, keys.Count));
    }

    private void CloseReader()
    {
        if (_reader is not null && _reader.Dropped > 0) _context!.Warn($"dropped {_reader.Dropped} record(s) of {Where(_currentKey!)} that did not parse");
        _reader?.Dispose();
        _reader = null;
    }

    public void Close()
    {
        CloseReader();
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store = null;
    }
}
