using Arroyo.Core;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Source;

/// <summary>
/// Newline-delimited records (json, raw_string) from a stream, decoded by the table's format.
/// Blank lines are skipped and not counted; a last line without a newline is a record.
/// </summary>
internal sealed class LineRecordReader(Stream input, RecordDecoder decoder, long skip, Func<long, string, Exception?> badRecord) : RecordReader
{
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private bool _eof;
    private long _line;

    public override Batch? Next(int maxRows, long timestampNanos)
    {
        var decoded = 0;
        while (decoded < maxRows && NextLine(out var record))
        {
            if (IsBlank(record)) continue;
            Records++;
            if (Records <= skip) continue;
            if (decoder.TryDecode(record, out var error))
            {
                decoded++;
                continue;
            }
            Dropped++;
            if (badRecord(_line, error!) is { } failure) throw failure;
        }
        return decoder.Flush(timestampNanos);
    }

    private bool NextLine(out ReadOnlySpan<byte> record)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                record = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                _line++;
                return true;
            }
            if (_eof)
            {
                if (_end > _start)
                {
                    record = _buffer.AsSpan(_start, _end - _start);
                    _start = _end;
                    _line++;
                    return true;
                }
                record = default;
                return false;
            }
            Fill();
        }
    }

    private void Fill()
    {
        var remaining = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
            _start = 0;
            _end = remaining;
        }
        // One line longer than the buffer: grow it.
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    private static bool IsBlank(ReadOnlySpan<byte> record)
    {
        foreach (var b in record)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        }
        return true;
    }

    public override void Dispose() => input.Dispose();
}
