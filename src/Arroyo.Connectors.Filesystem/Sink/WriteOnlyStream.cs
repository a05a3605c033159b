namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// The shape the sink's streams share: written front to back, never read or sought; the
/// position is the count of bytes written (Parquet's writer records offsets from it).
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    /// <summary>Bytes written so far.</summary>
    protected abstract long Written { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public abstract override void Write(ReadOnlySpan<byte> data);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
