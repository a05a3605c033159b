using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;

// Usage: ParquetWrite INPUT_DIR OUTPUT_FILE [BATCH_ROWS]
// Loads every Parquet file under INPUT_DIR into memory as Arrow record batches (untimed), then
// writes them all to OUTPUT_FILE with ParquetSharp's Arrow writer, zstd, one buffered row group
// per 128 MB of input as the sink does, and prints the rows, the CPU seconds of the write and
// rows per CPU-second. BATCH_ROWS (optional) cuts the batches to that many rows first (untimed),
// to see what the size of the batches handed to the writer costs.
// OUTPUT_FILE may be s3://BUCKET/KEY: the file then goes to the S3-compatible server at
// $S3_ENDPOINT (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) as a multipart upload
// of 32 MiB parts sent as they fill, the least a program streaming a Parquet file to S3 does; the
// CPU figure then also holds the S3 client's creation and the upload.
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
var faults = MinorPageFaults();
var wall = Stopwatch.StartNew();
var s3 = args[1].StartsWith("s3://", StringComparison.Ordinal) ? S3PartStream.Open(args[1]) : null;
using (var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).Build())
using (var writer = s3 is null ? new FileWriter(args[1], schema, properties) : new FileWriter(s3, schema, properties))
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
s3?.Complete();
process.Refresh();
var seconds = (process.TotalProcessorTime - cpu).TotalSeconds;
faults = MinorPageFaults() - faults;
Console.WriteLine($"rows={rows} cpu_s={seconds:F2} wall_s={wall.Elapsed.TotalSeconds:F2} rows_per_cpu_s={rows / seconds:F0} bytes={s3?.Length ?? new FileInfo(args[1]).Length} page_faults={faults}");
return 0;

// Minor page faults of this process so far (Linux: field 10 of /proc/self/stat), -1 elsewhere:
// fresh memory costs a fault per page, which is much of what a writer's buffers cost.
static long MinorPageFaults()
{
    if (!File.Exists("/proc/self/stat")) return -1;
    var stat = File.ReadAllText("/proc/self/stat");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A write-only stream that uploads what is written as the 32 MiB parts of one multipart upload.</summary>
internal sealed class S3PartStream(AmazonS3Client client, string bucket, string key) : Stream
{
    private const int PartSize = 32 << 20;
    private readonly byte[] _buffer = new byte[PartSize];
    private readonly List<PartETag> _parts = [];
    private int _filled;
    private long _length;
    private string? _uploadId;

    public static S3PartStream Open(string url)
    {
        var location = new Uri(url);
        var endpoint = Environment.GetEnvironmentVariable("S3_ENDPOINT") ?? throw new InvalidOperationException("set S3_ENDPOINT");
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var credentials = new BasicAWSCredentials(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        return new S3PartStream(new AmazonS3Client(credentials, config), location.Host, location.AbsolutePath.TrimStart('/'));
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var take = Math.Min(data.Length, PartSize - _filled);
            data[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            _length += take;
            data = data[take..];
            if (_filled == PartSize) UploadPart();
        }
    }

    public void Complete()
    {
        if (_filled > 0 || _parts.Count == 0) UploadPart();
        client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId, PartETags = _parts }).GetAwaiter().GetResult();
    }

    private void UploadPart()
    {
        _uploadId ??= client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }).GetAwaiter().GetResult().UploadId;
        var response = client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = _uploadId,
            PartNumber = _parts.Count + 1,
            InputStream = new MemoryStream(_buffer, 0, _filled, writable: false),
            PartSize = _filled,
            UseChunkEncoding = false,
        }).GetAwaiter().GetResult();
        _parts.Add(new PartETag(_parts.Count + 1, response.ETag));
        _filled = 0;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
