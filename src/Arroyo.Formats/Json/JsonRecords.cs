using System.Text.Json;
using Arroyo.Core.Columns;

namespace Arroyo.Formats.Json;

/// <summary>Helpers the JSON-based decoders share.</summary>
internal static class JsonRecords
{
    /// <summary>The record without surrounding whitespace (and the \r of CRLF files).</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> record)
    {
        var start = 0;
        var end = record.Length;
        while (start < end && IsSpace(record[start])) start++;
        while (end > start && IsSpace(record[end - 1])) end--;
        return record[start..end];
    }

    /// <summary>
    /// Null when <paramref name="record"/> is valid UTF-8, else why not (with the byte). JSON is
    /// UTF-8 (RFC 8259), and the reader does not check bytes inside strings it copies or skips, so
    /// without this a bad record would reach the sinks and be written out as invalid JSON.
    /// </summary>
    public static string? InvalidUtf8(ReadOnlySpan<byte> record)
    {
        if (System.Text.Unicode.Utf8.IsValid(record)) return null;
        var at = 0;
        while (at < record.Length && System.Text.Rune.DecodeFromUtf8(record[at..], out _, out var length) == System.Buffers.OperationStatus.Done)
        {
            at += length;
        }
        return $"the record is not valid UTF-8 (byte {at + 1} is 0x{record[at]:x2})";
    }

    public static string Message(Exception e) => e switch
    {
        OverflowException => "a number is out of range for its column",
        JsonException j => JsonSyntax(j),
        _ => e.Message,
    };

    /// <summary>
    /// System.Text.Json's message without its own position suffix ("Path: $ | LineNumber: 0 |
    /// BytePositionInLine: 5."), whose 0-based line within one record reads as a wrong line
    /// beside the file's; the position becomes a 1-based byte within the record.
    /// </summary>
    private static string JsonSyntax(JsonException error)
    {
        var text = error.Message;
        foreach (var marker in new[] { " Path: ", " LineNumber: ", " BytePositionInLine: " })
        {
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        text = text.TrimEnd().TrimEnd('.');
        return error.BytePositionInLine is { } position
            ? $"invalid JSON at byte {position + 1} of the record: {text}"
            : $"invalid JSON: {text}";
    }

    /// <summary>The columns without the rows in <paramref name="bad"/> (ascending); clears the list.</summary>
    public static Column[] DropRows(Column[] columns, List<int> bad)
    {
        if (bad.Count == 0 || columns.Length == 0)
        {
            bad.Clear();
            return columns;
        }
        var total = columns[0].Length;
        var keep = new int[total - bad.Count];
        var k = 0;
        var b = 0;
        for (var i = 0; i < total; i++)
        {
            if (b < bad.Count && bad[b] == i)
            {
                b++;
                continue;
            }
            keep[k++] = i;
        }
        bad.Clear();
        return columns.Select(c => c.Take(keep)).ToArray();
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
