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

    public static string Message(Exception e) => e switch
    {
        OverflowException => "a number is out of range for its column",
        JsonException j => "invalid JSON: " + j.Message,
        _ => e.Message,
    };

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
