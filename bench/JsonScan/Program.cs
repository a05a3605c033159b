using System.Diagnostics;
using System.Text.Json;
using Arroyo.Core.Types;
using Arroyo.Formats;

// Scans an NDJSON file with a bare Utf8JsonReader: every token of every line is read, numbers
// are parsed (GetInt64) and strings are left as raw UTF-8 spans, which is the least any JSON
// decoder must do. Prints "bytes records seconds checksum" for bench/run.sh.
//   JsonScan <file.ndjson>                 the bare pass once
//   JsonScan <file.ndjson> --compare N     the bare pass and the engine's json decoder (Nexmark bid
//                                          schema, every column, batches of 4096 rows, the engine's GC
//                                          settings) N times each, interleaved, in this process;
//                                          prints "bare_cpu_s decode_cpu_s ratio" (medians)
if (args.Length == 0 || (args.Length > 1 && args[1] != "--compare"))
{
    Console.Error.WriteLine("usage: JsonScan <file.ndjson> [--compare N]");
    return 2;
}

if (args.Length == 1)
{
    var watch = Stopwatch.StartNew();
    long checksum = 0;
    var (bytes, records) = ForEachLine(args[0], line => checksum += BareScan(line));
    Console.WriteLine($"{bytes} {records} {watch.Elapsed.TotalSeconds:F3} {checksum}");
    return 0;
}

// The engine's batch size (RunSettings.BatchSize), which the file source asks the decoder for.
const int BatchRows = 4096;
var repeat = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var schema = Schema.WithTimestamp(
[
    new Field("auction", DataType.Int64), new Field("bidder", DataType.Int64), new Field("price", DataType.Int64),
    new Field("channel", DataType.Utf8), new Field("url", DataType.Utf8), new Field("datetime", DataType.Timestamp),
    new Field("extra", DataType.Utf8),
]);
var bare = new List<double>();
var decode = new List<double>();
for (var run = 0; run < repeat; run++)
{
    long sum = 0;
    bare.Add(CpuSeconds(() => ForEachLine(args[0], line => sum += BareScan(line))));
    var decoder = RecordDecoder.Create(new FormatSettings(FormatKind.Json), schema);
    long rows = 0;
    decode.Add(CpuSeconds(() => ForEachLine(args[0], line =>
    {
        if (!decoder.TryDecode(line, out var error)) throw new InvalidDataException(error);
        if (decoder.RowCount == BatchRows) rows += decoder.Flush(0)!.RowCount;
    })));
    rows += decoder.Flush(0)?.RowCount ?? 0;
    if (sum == 0 || rows == 0) throw new InvalidDataException("nothing read");
}
var b = bare.Order().ElementAt(repeat / 2);
var d = decode.Order().ElementAt(repeat / 2);
Console.WriteLine($"{b:F3} {d:F3} {d / b:F3}");
return 0;

static double CpuSeconds(Action action)
{
    var before = Process.GetCurrentProcess().TotalProcessorTime;
    action();
    return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
}

static long BareScan(ReadOnlySpan<byte> line)
{
    long checksum = 0;
    var reader = new Utf8JsonReader(line);
    while (reader.Read())
    {
        if (reader.TokenType == JsonTokenType.Number) checksum += reader.GetInt64();
        else if (reader.TokenType == JsonTokenType.String) checksum += reader.ValueSpan.Length;
    }
    return checksum;
}

// Calls the handler with every non-empty line (the last one without its newline too); returns bytes and lines.
static (long Bytes, long Records) ForEachLine(string path, LineHandler handle)
{
    var buffer = new byte[4 << 20];
    var filled = 0;
    long bytes = 0, records = 0;
    using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
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
            if (!line.IsEmpty)
            {
                handle(line);
                records++;
            }
            if (read == 0) break;
        }
        bytes += start;
        if (read == 0) break;
        filled = end - start;
        buffer.AsSpan(start, filled).CopyTo(buffer);
        if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
    }
    return (bytes, records);
}

internal delegate void LineHandler(ReadOnlySpan<byte> line);
