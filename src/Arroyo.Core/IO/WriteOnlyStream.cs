namespace Arroyo.Core.IO;

/// <summary>
/// The shape of streams that are written front to back and never read or sought (the
/// filesystem sink's, state file parts, blobs written into a column); the position is the
/// count of bytes written (Parquet's writer records offsets from it).
/// </summary>
public abstract class WriteOnlyStream : Stream
{
    /// <summary>Bytes written so far.</summary>
    protected abstract long BytesWritten { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesWritten;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public abstract override void Write(ReadOnlySpan<byte> data);

    // The bytes are where Write put them (a buffer, a column, the next part): nothing waits to be
    // pushed. A stream that must hold back on a flush says why in its own override.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
