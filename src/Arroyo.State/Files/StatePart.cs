using Arroyo.Core.IO;

namespace Arroyo.State.Files;

/// <summary>
/// One encoded state file in a buffer borrowed from <see cref="PartBufferPool"/>: dispose
/// it once the store has written it (the store's put has completed). Reusing the buffer is what
/// keeps checkpoints from leaving a fresh state-sized array behind for the GC every time —
/// large arrays live in the large object heap, which is collected rarely, so before this a
/// process idling between checkpoints of a big state held several such arrays in its RSS.
/// </summary>
public sealed class StatePart : IDisposable
{
    private byte[]? _buffer;

    internal StatePart(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Bytes => (_buffer ?? throw new ObjectDisposedException(nameof(StatePart))).AsMemory(0, Length);

    /// <summary>The checksum the file ends with, as the manifest lists it.</summary>
    public string Checksum => StateFile.StoredChecksum(Bytes.Span);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) PartBufferPool.Return(buffer);
    }
}

/// <summary>An append-only stream into a pooled buffer that grows by renting a bigger one.</summary>
internal sealed class PartBuffer : WriteOnlyStream
{
    private byte[]? _buffer;
    private int _length;

    public PartBuffer(long capacity)
    {
        _buffer = PartBufferPool.Rent((int)Math.Clamp(capacity, 4096, Array.MaxLength));
    }

    protected override long BytesWritten => _length;

    public Span<byte> Written => Buffer.AsSpan(0, _length);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PartBuffer));

    public override void Write(ReadOnlySpan<byte> data)
    {
        Reserve(data.Length);
        data.CopyTo(Buffer.AsSpan(_length));
        _length += data.Length;
    }

    public override void WriteByte(byte value)
    {
        Reserve(1);
        Buffer[_length++] = value;
    }

    /// <summary>Overwrites a 32-bit count written earlier as a placeholder (little-endian, as BinaryWriter writes).</summary>
    public void PatchInt32(int offset, int value) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(Buffer.AsSpan(offset), value);

    /// <summary>Hands the buffer over to a <see cref="StatePart"/>; this stream is empty afterwards.</summary>
    public StatePart Detach()
    {
        var part = new StatePart(Buffer, _length);
        _buffer = null;
        _length = 0;
        return part;
    }

    protected override void Dispose(bool disposing)
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) PartBufferPool.Return(buffer);
        base.Dispose(disposing);
    }

    private void Reserve(int count)
    {
        var buffer = Buffer;
        if (buffer.Length - _length >= count) return;
        var needed = (long)_length + count;
        if (needed > Array.MaxLength) throw new InvalidOperationException($"a state file part cannot exceed {Array.MaxLength} bytes (this is a bug: parts are cut well before)");
        var bigger = PartBufferPool.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * buffer.Length)));
        buffer.AsSpan(0, _length).CopyTo(bigger);
        PartBufferPool.Return(buffer);
        _buffer = bigger;
    }
}
