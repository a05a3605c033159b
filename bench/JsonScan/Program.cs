using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

// Scans an NDJSON file with a bare Utf8JsonReader: every token of every line is read, numbers
// are parsed (GetInt64) and strings are left as raw UTF-8 spans, which is the least any JSON
// decoder must do. Prints "bytes records seconds" for bench/run.sh.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: JsonScan <file.ndjson>");
    return 2;
}

var buffer = new byte[4 << 20];
var filled = 0;
long bytes = 0, records = 0, checksum = 0;
var watch = Stopwatch.StartNew();
using (var file = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
{
    while (true)
    {
        var read = file.Read(buffer, filled, buffer.Length - filled);
        var end = filled + read;
        var start = 0;
        // Whole lines only; a partial last line moves to the front for the next read.
        while (true)
        {
            var newline = read == 0 && start < end ? end - start : buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0) break;
            var line = buffer.AsSpan(start, newline);
            start += newline + (read == 0 ? 0 : 1);
            if (line.IsEmpty) continue;
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number) checksum += reader.GetInt64();
                else if (reader.TokenType == JsonTokenType.String) checksum += reader.ValueSpan.Length;
            }
            records++;
            if (read == 0) break;
        }
        bytes += start;
        if (read == 0) break;
        filled = end - start;
        buffer.AsSpan(start, filled).CopyTo(buffer);
        if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
    }
}
var seconds = watch.Elapsed.TotalSeconds;
Console.WriteLine($"{bytes} {records} {seconds:F3} {checksum}");
return 0;
