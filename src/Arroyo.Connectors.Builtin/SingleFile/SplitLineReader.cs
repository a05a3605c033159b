using Arroyo.Connectors.Files;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Reads the lines of one <see cref="FileSplit"/> at a time from a file: seeks to the range,
/// skips the tail of a line that started before it, and stops after the last line that starts
/// inside it. <see cref="Position"/> is what a checkpoint keeps: the first byte of the next
/// line to read (or the range's start while the first line boundary has not been found yet).
/// </summary>
internal sealed class SplitLineReader(FileStream file) : IDisposable
{
    private readonly LineBuffer _lines = new();
    private bool _aligned;
    private long _start;
    private long _end;

    /// <summary>Where reading the current range would resume.</summary>
    public long Position => _aligned ? _lines.Position : _start;

    public void Begin(FileSplit split)
    {
        _start = split.Start;
        _end = split.End;
        _aligned = split.Start == 0;
        // Unaligned: read from the byte before the range, so that a line starting exactly at
        // Start (the byte before it is '\n') is taken as the first line of the range.
        var seekTo = _aligned ? 0 : split.Start - 1;
        file.Seek(seekTo, SeekOrigin.Begin);
        _lines.Reset(seekTo);
    }

    /// <summary>The next line of the range (without its '\n') and the file offset it starts at; false when the range is done.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out long offset)
    {
        if (!_aligned)
        {
            // The rest of the line the byte before the range belongs to (just its '\n' when a line starts at Start).
            _lines.TryTakeLine(file, out _);
            _aligned = true;
        }
        offset = _lines.Position;
        line = default;
        return offset < _end && _lines.TryTakeLine(file, out line);
    }

    /// <summary>The 1-based line number of the line starting at <paramref name="offset"/> (counted only for error messages).</summary>
    public static long LineNumberAt(string path, long offset)
    {
        using var counter = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        long lines = 1, read = 0;
        while (read < offset)
        {
            var n = counter.Read(buffer, 0, (int)Math.Min(buffer.Length, offset - read));
            if (n == 0) break;
            lines += buffer.AsSpan(0, n).Count((byte)'\n');
            read += n;
        }
        return lines;
    }

    public void Dispose() => file.Dispose();
}
