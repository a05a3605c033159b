using Arroyo.Connectors.Files;
using Arroyo.Core;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Source;

/// <summary>
/// Newline-delimited records (json, raw_string) from a stream, decoded by the table's format.
/// Blank lines are skipped and not counted; a last line without a newline is a record.
/// </summary>
internal sealed class LineRecordReader(Stream input, RecordDecoder decoder, long skip, Func<long, string, Exception?> badRecord) : RecordReader
{
    private readonly LineBuffer _lines = new();
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
        if (!_lines.TryTakeLine(input, out record)) return false;
        _line++;
        return true;
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
