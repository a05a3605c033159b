namespace Arroyo.Connectors.Files;

/// <summary>
/// Reads newline-delimited input from a stream in large blocks and hands out one line at a
/// time as a span into its buffer (valid until the next call). The newline search is
/// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/>, which is vectorised. The
/// buffer grows when one line does not fit. <see cref="Position"/> counts bytes from the
/// offset given to <see cref="Reset"/>, so readers of byte ranges know where each line starts.
/// </summary>
public sealed class LineBuffer
{
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private long _bufferOffset; // stream offset of _buffer[0]
    private bool _eof;

    /// <summary>The offset of the first byte not handed out yet.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Forgets what was buffered: the stream has been moved to <paramref name="offset"/>.</summary>
    public void Reset(long offset)
    {
        _bufferOffset = offset;
        _start = _end = 0;
        _eof = false;
    }

    /// <summary>The next line without its '\n' (a last line without one included); false at the end of the stream.</summary>
    public bool TryTakeLine(Stream input, out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                return true;
            }
            if (_eof)
            {
                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                return !line.IsEmpty;
            }
            Fill(input);
        }
    }

    private void Fill(Stream input)
    {
        // Keep the unread tail at the front; grow when one line fills the whole buffer.
        var remaining = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
            _bufferOffset += _start;
            _start = 0;
            _end = remaining;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }
}
