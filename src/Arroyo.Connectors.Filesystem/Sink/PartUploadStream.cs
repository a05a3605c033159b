using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Arroyo.Storage;
using Arroyo.Core.IO;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// A write-only stream that sends what is written to it as the parts of one multipart upload:
/// bytes collect in one buffer of the part size, and each time it fills it goes up as the next
/// part (the calling thread waits), so memory stays at one part however large the file grows.
/// <see cref="Finish"/> sends the rest as the last part; nothing is visible until the upload is
/// completed, which the sink does at the checkpoint's commit. The buffer is rented from the
/// shared pool at the first write and given back when the file is finished or abandoned: a sink
/// that rolls files often then reuses one warm buffer instead of having the operating system
/// hand it a fresh part's worth of zeroed pages per file.
/// A store that takes parts a piece at a time (a local directory, <see cref="IAppendingMultipartStore"/>)
/// gets the bytes as they are written instead: no buffer, no copy, and a part ends when it
/// reaches the part size or a checkpoint records the file.
/// </summary>
internal sealed class PartUploadStream : WriteOnlyStream
{
    private readonly IMultipartStore _store;
    private readonly IAppendingMultipartStore? _appendingStore;
    private IPartAppender? _appender;
    private readonly string _key;
    private readonly int _partSize;
    private byte[]? _buffer;
    private readonly List<UploadedPart> _parts = [];
    private readonly Action<string> _started;
    private int _filled;
    private long _written;
    private string? _uploadId;
    private bool _abandoned;

    /// <param name="started">Told the upload id as soon as the store gives one (uploads are tracked from their start, to abort them after a failure).</param>
    /// <param name="appendingStore">
    /// The same store when it takes parts a piece at a time (see the summary), without the
    /// retries <paramref name="store"/> may wrap it in: a local write that fails is not cured by waiting.
    /// </param>
    public PartUploadStream(IMultipartStore store, string key, int partSize, Action<string> started, IAppendingMultipartStore? appendingStore = null)
    {
        _store = store;
        _appendingStore = appendingStore;
        _key = key;
        _partSize = partSize;
        _started = started;
    }

    public string Key => _key;

    public int PartsUploaded => _parts.Count;

    protected override long BytesWritten => _written;

    /// <summary>The file will not be finished (the run is failing or stopping): later writes are dropped, nothing more is uploaded.</summary>
    public void Abandon()
    {
        _abandoned = true;
        ReleaseBuffer();
    }

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (_abandoned) return;
        while (data.Length > 0)
        {
            var take = Math.Min(data.Length, _partSize - _filled);
            if (_appendingStore is not null) Appender().Write(data[..take]);
            else data[..take].CopyTo((_buffer ??= ArrayPool<byte>.Shared.Rent(_partSize)).AsSpan(_filled));
            _filled += take;
            _written += take;
            data = data[take..];
            if (_filled == _partSize) UploadBuffer();
        }
    }

    /// <summary>The upload's appender (appending stores only), the upload started on first use.</summary>
    private IPartAppender Appender()
    {
        if (_appender is not null) return _appender;
        StartUpload();
        return _appender = _appendingStore!.OpenAppender(_key, _uploadId);
    }

    public override void Flush()
    {
        // Parts go up when full; a flush (Parquet's writer calls it per page) must not send a short part.
    }

    /// <summary>Sends what is left as the last part and returns the finished upload (not yet visible).</summary>
    public FinishedFile Finish(long rows, string partition)
    {
        if (_filled > 0 || _parts.Count == 0) UploadBuffer();
        ReleaseBuffer();
        return new FinishedFile(_key, _uploadId!, _parts.ToList(), _written, rows) { Partition = partition };
    }

    /// <summary>
    /// Sends the bytes held back as the next part when there are at least <paramref name="minimumPartSize"/>
    /// of them (the smallest part the store takes before the last: S3's 5 MiB). Before a checkpoint
    /// records the file, this keeps what the checkpoint carries under that size.
    /// </summary>
    public void SendHeldBytes(int minimumPartSize)
    {
        if (!_abandoned && _filled >= minimumPartSize) UploadBuffer();
    }

    /// <summary>
    /// The file as a checkpoint records it while it stays open: the parts uploaded so far and,
    /// as <paramref name="trailer"/> follows them, the bytes not sent yet plus what the format
    /// needs to end the file here. Nothing is uploaded: the checkpoint holds at most one part.
    /// </summary>
    public OpenFileRecord Record(long rows, string partition, byte[] trailer)
    {
        // Bytes written in place are not in memory to be carried: they are ended as a part instead.
        if (_appendingStore is not null && _filled > 0 && !_abandoned) UploadBuffer();
        var bytes = new byte[_filled + trailer.Length];
        if (_filled > 0) _buffer.AsSpan(0, _filled).CopyTo(bytes);
        trailer.CopyTo(bytes.AsSpan(_filled));
        return new OpenFileRecord(_key, _uploadId, _parts.ToList(), _written - _filled, rows, bytes) { Partition = partition };
    }

    /// <summary>
    /// Finishes a file a failed run left open at a checkpoint, as that checkpoint recorded it:
    /// its trailer goes up as the part after the recorded ones (replacing whatever the failed
    /// run uploaded under that number later; parts after it are left out of the completion).
    /// A file with no part uploaded yet is written whole in one put: its rows are those of a
    /// durable checkpoint, so it may be visible at once, and a second restore writes the same.
    /// </summary>
    public static FinishedFile FinishRecorded(IMultipartStore store, OpenFileRecord file)
    {
        var size = file.UploadedBytes + file.Trailer.Length;
        if (file.UploadId is not { } uploadId)
        {
            store.PutAsync(file.Key, file.Trailer).GetAwaiter().GetResult();
            return new FinishedFile(file.Key, "", [], size, file.Rows) { Partition = file.Partition, PartitionValues = file.PartitionValues };
        }
        var parts = file.Parts.ToList();
        if (file.Trailer.Length > 0) parts.Add(store.UploadPartAsync(file.Key, uploadId, parts.Count + 1, file.Trailer).GetAwaiter().GetResult());
        return new FinishedFile(file.Key, uploadId, parts, size, file.Rows) { Partition = file.Partition, PartitionValues = file.PartitionValues };
    }

    [MemberNotNull(nameof(_uploadId))]
    private void StartUpload()
    {
        if (_uploadId is not null) return;
        _uploadId = _store.StartUploadAsync(_key).GetAwaiter().GetResult();
        _started(_uploadId);
    }

    private void UploadBuffer()
    {
        StartUpload();
        if (_appendingStore is not null)
        {
            _parts.Add(Appender().EndPart(_parts.Count + 1));
            _filled = 0;
            return;
        }
        var bytes = _filled > 0 ? _buffer.AsMemory(0, _filled) : ReadOnlyMemory<byte>.Empty;
        var part = _store.UploadPartAsync(_key, _uploadId, _parts.Count + 1, bytes).GetAwaiter().GetResult();
        _parts.Add(part);
        _filled = 0;
    }

    private void ReleaseBuffer()
    {
        _appender?.Dispose();
        _appender = null;
        if (_buffer is null) return;
        var buffer = _buffer;
        _buffer = null;
        _filled = 0;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ReleaseBuffer();
        base.Dispose(disposing);
    }

}

/// <summary>
/// A file left open at a checkpoint: its upload (null when no part has gone up yet), the parts
/// uploaded, and the bytes that end it there (<see cref="PartUploadStream.Record"/>).
/// </summary>
public sealed record OpenFileRecord(string Key, string? UploadId, IReadOnlyList<UploadedPart> Parts, long UploadedBytes, long Rows, byte[] Trailer)
{
    /// <summary>The partition directory the file is in ("" when unpartitioned).</summary>
    public string Partition { get; init; } = "";

    /// <summary>As <see cref="FinishedFile.PartitionValues"/>.</summary>
    public string? PartitionValues { get; init; }
}

/// <summary>
/// A file whose bytes are all uploaded, waiting for its upload to be completed at a commit. An
/// empty <see cref="UploadId"/>: written whole already (a small file a restore ended), nothing to complete.
/// </summary>
public sealed record FinishedFile(string Key, string UploadId, IReadOnlyList<UploadedPart> Parts, long Bytes, long Rows)
{
    /// <summary>The partition directory the file is in ("" when unpartitioned), e.g. <c>2024/03/01/kind=a</c>.</summary>
    public string Partition { get; init; } = "";

    /// <summary>The partition's values as a table format records them (iceberg: a JSON array, one per spec field); null when it records none.</summary>
    public string? PartitionValues { get; init; }
}
