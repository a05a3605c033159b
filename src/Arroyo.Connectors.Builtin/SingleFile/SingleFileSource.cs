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
/// Reads a newline-delimited file once and finishes. One subtask reads: the one whose key
/// range owns the hash of the path, so the choice is stable for a parallelism and the
/// position (a byte offset stored under that hash) follows the file at any parallelism.
/// Every row's <c>_timestamp</c> is the time it was read, as in the reference.
/// </summary>
internal sealed class SingleFileSource : ISource
{
    internal const string StateTable = "f";
    private const int ReadBufferSize = 1 << 20;

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("offset", DataType.Int64, false),
        new Field("line", DataType.Int64, false),
    ]);

    private readonly ConnectorTable _table;
    private readonly string _path;
    private readonly ulong _key;
    private readonly RecordDecoder _decoder;
    private readonly int _batchSize;
    private OperatorContext? _context;
    private bool _owner;
    private FileStream? _file;
    private byte[] _buffer = new byte[ReadBufferSize];
    private int _bufferStart;
    private int _bufferEnd;
    private bool _eof;
    private long _offset;
    private long _line;
    private long _dropped;

    public SingleFileSource(ConnectorTable table, Schema output, OperatorContext context, Arroyo.Dataflow.ColumnUsage? usage = null)
    {
        _table = table;
        _path = ((SingleFileConfig)table.Config).Path;
        _key = KeyHasher.HashString(_path);
        _decoder = RecordDecoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), output, usage);
        _batchSize = Math.Max(1, context.Settings.BatchSize);
    }

    internal long Offset => _offset;

    public void Open(OperatorContext context)
    {
        _context = context;
        _owner = KeyRange.SubtaskFor(_key, context.Parallelism) == context.SubtaskIndex;
        if (!_owner) return;
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var keys = (PrimitiveColumn<ulong>)batch.Columns[0];
            for (var r = 0; r < batch.RowCount; r++)
            {
                if (keys[r] != _key) continue;
                _offset = ((PrimitiveColumn<long>)batch.Columns[1])[r];
                _line = ((PrimitiveColumn<long>)batch.Columns[2])[r];
            }
        }
        try
        {
            _file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
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
        if (_offset > 0)
        {
            _file.Seek(_offset, SeekOrigin.Begin);
            context.Log($"resuming {_path} at byte {_offset} (line {_line})");
        }
    }

    public SourceStatus Poll(IOutput output)
    {
        if (!_owner || _file is null) return SourceStatus.Finished;
        var lines = 0;
        while (lines < _batchSize)
        {
            var newline = _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart).IndexOf((byte)'\n');
            int length;
            int consumed;
            if (newline >= 0)
            {
                length = newline;
                consumed = newline + 1;
            }
            else if (!_eof)
            {
                Fill();
                continue;
            }
            else if (_bufferEnd > _bufferStart)
            {
                // The last line has no newline.
                length = consumed = _bufferEnd - _bufferStart;
            }
            else
            {
                break;
            }
            var record = _buffer.AsSpan(_bufferStart, length);
            _bufferStart += consumed;
            _offset += consumed;
            _line++;
            if (IsBlank(record)) continue;
            lines++;
            if (!_decoder.TryDecode(record, out var error)) HandleBadData(error!);
        }
        var batch = _decoder.Flush(Timestamps.Now());
        if (batch is not null) output.Emit(batch);
        if (_eof && _bufferStart == _bufferEnd)
        {
            if (_dropped > 0) _context?.Warn($"dropped {_dropped} records of {_path} that did not parse");
            return SourceStatus.Finished;
        }
        return SourceStatus.Continue;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (!_owner) return;
        var columns = new Column[]
        {
            new PrimitiveColumn<ulong>(DataType.UInt64, [_key]),
            new PrimitiveColumn<long>(DataType.Int64, [_offset]),
            new PrimitiveColumn<long>(DataType.Int64, [_line]),
        };
        state.WriteTable(StateTable, new Batch(s_stateSchema, columns, 1));
    }

    public void Close()
    {
        _file?.Dispose();
        _file = null;
    }

    private void HandleBadData(string error)
    {
        if (_table.BadData == BadDataPolicy.Drop)
        {
            _dropped++;
            _context?.Metrics.DeserializationError();
            return;
        }
        throw new BadDataException($"bad data in {_path} line {_line} (table '{_table.Name}'): {error}");
    }

    private void Fill()
    {
        // Keep the unread tail, grow if one line fills the whole buffer.
        var remaining = _bufferEnd - _bufferStart;
        if (_bufferStart > 0)
        {
            Buffer.BlockCopy(_buffer, _bufferStart, _buffer, 0, remaining);
            _bufferStart = 0;
            _bufferEnd = remaining;
        }
        if (_bufferEnd == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = _file!.Read(_buffer, _bufferEnd, _buffer.Length - _bufferEnd);
        if (read == 0) _eof = true;
        _bufferEnd += read;
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
