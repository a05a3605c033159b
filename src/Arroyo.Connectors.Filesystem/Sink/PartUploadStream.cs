using Arroyo.Storage;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// A write-only stream that sends what is written to it as the parts of one multipart upload:
/// bytes collect in one buffer of the part size, and each time it fills it goes up as the next
/// part (the calling thread waits), so memory stays at one part however large the file grows.
/// <see cref="Finish"/> sends the rest as the last part; nothing is visible until the upload is
/// completed, which the sink does at the checkpoint's commit.
/// </summary>
internal sealed class PartUploadStream : Stream
{
    private readonly IMultipartStore _store;
    private readonly string _key;
    private readonly byte[] _buffer;
    private readonly List<UploadedPart> _parts = [];
    private readonly Action<string> _started;
    private int _filled;
    private long _written;
    private string? _uploadId;
    private bool _abandoned;

    /// <param name="started">Told the upload id as soon as the store gives one (uploads are tracked from their start, to abort them after a failure).</param>
    public PartUploadStream(IMultipartStore store, string key, int partSize, Action<string> started)
    {
        _store = store;
        _key = key;
        _buffer = new byte[partSize];
        _started = started;
    }

    public string Key => _key;

    public int PartsUploaded => _parts.Count;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>The file will not be finished (the run is failing or stopping): later writes are dropped, nothing more is uploaded.</summary>
    public void Abandon() => _abandoned = true;

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (_abandoned) return;
        while (data.Length > 0)
        {
            var take = Math.Min(data.Length, _buffer.Length - _filled);
            data[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            _written += take;
            data = data[take..];
            if (_filled == _buffer.Length) UploadBuffer();
        }
    }

    public override void Flush()
    {
        // Parts go up when full; a flush (Parquet's writer calls it per page) must not send a short part.
    }

    /// <summary>Sends what is left as the last part and returns the finished upload (not yet visible).</summary>
    public FinishedFile Finish(long rows, string partition)
    {
        if (_filled > 0 || _parts.Count == 0) UploadBuffer();
        return new FinishedFile(_key, _uploadId!, _parts.ToList(), _written, rows) { Partition = partition };
    }

    private void UploadBuffer()
    {
        if (_uploadId is null)
        {
            _uploadId = _store.StartUploadAsync(_key).GetAwaiter().GetResult();
            _started(_uploadId);
        }
        var part = _store.UploadPartAsync(_key, _uploadId, _parts.Count + 1, _buffer.AsMemory(0, _filled)).GetAwaiter().GetResult();
        _parts.Add(part);
        _filled = 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A file whose bytes are all uploaded, waiting for its upload to be completed at a commit.</summary>
public sealed record FinishedFile(string Key, string UploadId, IReadOnlyList<UploadedPart> Parts, long Bytes, long Rows)
{
    /// <summary>The partition directory the file is in ("" when unpartitioned), e.g. <c>2024/03/01/kind=a</c>.</summary>
    public string Partition { get; init; } = "";

    /// <summary>The partition's values as a table format records them (iceberg: a JSON array, one per spec field); null when it records none.</summary>
    public string? PartitionValues { get; init; }
}
