using System.Diagnostics;
using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;

// Usage: ParquetWrite INPUT_DIR OUTPUT_FILE [BATCH_ROWS]
// Loads every Parquet file under INPUT_DIR into memory as Arrow record batches (untimed), then
// writes them all to OUTPUT_FILE with ParquetSharp's Arrow writer, zstd, one buffered row group
// per 128 MB of input as the sink does, and prints the rows, the CPU seconds of the write and
// rows per CPU-second. BATCH_ROWS (optional) cuts the batches to that many rows first (untimed),
// to see what the size of the batches handed to the writer costs.
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: ParquetWrite INPUT_DIR OUTPUT_FILE [BATCH_ROWS]");
    return 2;
}

var batches = new List<RecordBatch>();
Apache.Arrow.Schema? schema = null;
foreach (var file in Directory.GetFiles(args[0], "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
{
    using var reader = new FileReader(file);
    schema ??= reader.Schema;
    using var stream = reader.GetRecordBatchReader();
    while (await stream.ReadNextRecordBatchAsync() is { } batch) batches.Add(batch);
}
if (schema is null)
{
    Console.Error.WriteLine($"no parquet files under {args[0]}");
    return 1;
}

// In-memory bytes per row, taken before any slicing (slices share their parent's buffers).
var bytesPerRow = batches.Sum(b => b.Arrays.Sum(a => a.Data.Buffers.Sum(x => (long)x.Length))) / (double)Math.Max(1, batches.Sum(b => (long)b.Length));
if (args.Length == 3)
{
    var size = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
    batches = batches.SelectMany(b => Enumerable.Range(0, (b.Length + size - 1) / size).Select(i => b.Slice(i * size, Math.Min(size, b.Length - i * size)))).ToList();
}

var rows = batches.Sum(b => (long)b.Length);
var process = Process.GetCurrentProcess();
process.Refresh();
var cpu = process.TotalProcessorTime;
var wall = Stopwatch.StartNew();
using (var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).Build())
using (var writer = new FileWriter(args[1], schema, properties))
{
    long buffered = 0;
    foreach (var batch in batches)
    {
        writer.WriteBufferedRecordBatch(batch);
        buffered += (long)(batch.Length * bytesPerRow);
        if (buffered >= 128L * 1024 * 1024)
        {
            writer.NewBufferedRowGroup();
            buffered = 0;
        }
    }
    writer.Close();
}
process.Refresh();
var seconds = (process.TotalProcessorTime - cpu).TotalSeconds;
Console.WriteLine($"rows={rows} cpu_s={seconds:F2} wall_s={wall.Elapsed.TotalSeconds:F2} rows_per_cpu_s={rows / seconds:F0} bytes={new FileInfo(args[1]).Length}");
return 0;
