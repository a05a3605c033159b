using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Reads a newline-delimited file once and finishes, shared among the subtasks by byte ranges
/// (<see cref="FileSplit"/>): at <c>-p N</c> the file is cut into N ranges and each subtask
/// reads the lines that start in its own. The checkpoint keeps, for every range, the first byte
/// not read yet, so a restore (at any parallelism) re-cuts what is left and no line is lost
/// or read twice. Every row's <c>_timestamp</c> is the time it was read, as in the reference.
/// </summary>
internal sealed class SingleFileSource : ISource
{
    /// <summary>Config key that lets every subtask read a byte range of the file (see Open).</summary>
    public const string SplitConfigKey = "debug.split-single-file";

    internal const string StateTable = "fr";

    /// <summary>The state table of the format before files were split: one row, the offset reached by the one subtask that read.</summary>
    internal const string LegacyStateTable = "f";

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("start", DataType.Int64, false),
        new Field("end", DataType.Int64, false),
    ]);

    private readonly ConnectorTable _table;
    private readonly string _path;
    private readonly ulong _key;
    private readonly RecordDecoder _decoder;
    private readonly int _batchSize;
    private OperatorContext? _context;
    private SplitLineReader? _reader;
    private List<FileSplit> _splits = [];
    private int _current = -1;
    private long _dropped;

    public SingleFileSource(ConnectorTable table, Schema output, OperatorContext context, Arroyo.Dataflow.ColumnUsage? usage = null)
    {
        _table = table;
        _path = ((SingleFileConfig)table.Config).Path;
        _key = KeyHasher.HashString(_path);
        _decoder = RecordDecoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), output, usage);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
    }

    /// <summary>The ranges this subtask reads, with their progress.</summary>
    internal IReadOnlyList<FileSplit> Splits => _splits;

    public void Open(OperatorContext context)
    {
        _context = context;
        FileStream file;
        try
        {
            file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e switch
            {
                _ when Directory.Exists(_path) => "it is a directory, not a file",
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                // .NET appends " : 'path'" to errno messages; the path is already in ours.
                _ => e.Message.Split(" : '")[0].TrimEnd('.'),
            };
            throw new UserException($"cannot read '{_path}' for table '{_table.Name}': {reason}");
        }
        var remaining = RestoredSplits(context) ?? [FileSplits.WholeFile];
        // As the reference, one subtask reads the file whole by default: rows then reach the query
        // in file order at any parallelism, which order-sensitive results (array_agg, string_agg,
        // first/last values, a debezium changelog) depend on. Splitting into byte ranges across
        // subtasks is opt-in (debug.split-single-file), and never for a changelog.
        var split = context.Settings.Config.TryGetValue(SplitConfigKey, out var splitting) &&
            splitting.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
        var readers = split && _table.Format?.Kind != FormatKind.DebeziumJson ? context.Parallelism : 1;
        _splits = context.SubtaskIndex < readers ? FileSplits.For(context.SubtaskIndex, readers, remaining, file.Length) : [];
        _reader = new SplitLineReader(file);
        if (context.State.Epoch is not null && _splits.Count > 0)
        {
            context.Log($"resuming {_path} at {string.Join(", ", _splits.Select(s => s.End == FileSplit.ToEndOfFile ? $"bytes {s.Start}-" : $"bytes {s.Start}-{s.End - 1}"))}");
        }
        NextSplit();
    }

    // The ranges left by the checkpoint restored from; null on a fresh start.
    private List<FileSplit>? RestoredSplits(OperatorContext context)
    {
        List<FileSplit>? restored = null;
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            restored ??= [];
            var starts = (PrimitiveColumn<long>)batch.Columns[1];
            var ends = (PrimitiveColumn<long>)batch.Columns[2];
            for (var r = 0; r < batch.RowCount; r++) restored.Add(new FileSplit(starts[r], ends[r]));
        }
        if (restored is not null) return restored;
        // A checkpoint from before files were split: one subtask read the whole file up to this offset.
        foreach (var batch in context.State.ReadTable(LegacyStateTable, allRows: true))
        {
            var keys = (PrimitiveColumn<ulong>)batch.Columns[0];
            for (var r = 0; r < batch.RowCount; r++)
            {
                if (keys[r] == _key) restored = [new FileSplit(((PrimitiveColumn<long>)batch.Columns[1])[r], FileSplit.ToEndOfFile)];
            }
        }
        return restored;
    }

    private bool NextSplit()
    {
        if (_current >= 0) _splits[_current] = _splits[_current] with { Start = _reader!.Position };
        _current++;
        if (_current >= _splits.Count) return false;
        _reader!.Begin(_splits[_current]);
        return true;
    }

    public SourceStatus Poll(IOutput output)
    {
        if (_reader is null) return SourceStatus.Finished;
        var lines = 0;
        var finished = false;
        while (lines < _batchSize)
        {
            if (_current >= _splits.Count)
            {
                finished = true;
                break;
            }
            if (!_reader.TryReadLine(out var record, out var offset))
            {
                NextSplit();
                continue;
            }
            if (IsBlank(record)) continue;
            lines++;
            if (!_decoder.TryDecode(record, out var error)) HandleBadData(error!, offset);
        }
        if (_current < _splits.Count) _splits[_current] = _splits[_current] with { Start = _reader.Position };
        var batch = _decoder.Flush(Timestamps.Now());
        if (batch is not null) output.Emit(batch);
        if (!finished) return SourceStatus.Continue;
        if (_dropped > 0) _context?.Warn($"dropped {_dropped} records of {_path} that did not parse");
        return SourceStatus.Finished;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_context is null) return;
        // A subtask with nothing left still writes a row (an empty range), so that a restore
        // of a file read to the end is told apart from a fresh start.
        var splits = _splits.Count > 0 ? _splits : [new FileSplit(0, 0)];
        var columns = new Column[]
        {
            new PrimitiveColumn<ulong>(DataType.UInt64, splits.Select(_ => _key).ToArray()),
            new PrimitiveColumn<long>(DataType.Int64, splits.Select(s => s.Start).ToArray()),
            new PrimitiveColumn<long>(DataType.Int64, splits.Select(s => s.End).ToArray()),
        };
        state.WriteTable(StateTable, new Batch(s_stateSchema, columns, splits.Count));
    }

    public void Close()
    {
        _reader?.Dispose();
        _reader = null;
    }

    private void HandleBadData(string error, long offset)
    {
        if (_table.BadData == BadDataPolicy.Drop)
        {
            _dropped++;
            _context?.Metrics.DeserializationError();
            return;
        }
        var line = SplitLineReader.LineNumberAt(_path, offset);
        throw new BadDataException($"bad data in {_path} line {line} (table '{_table.Name}'): {error}");
    }

    private static bool IsBlank(ReadOnlySpan<byte> record)
    {
        foreach (var b in record)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        }
        return true;
    }
}
