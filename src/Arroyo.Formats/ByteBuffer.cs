using System.Runtime.CompilerServices;

namespace Arroyo.Formats;

/// <summary>
/// A growable byte buffer that encoders write lines into; reused between batches so the
/// steady state allocates nothing.
/// </summary>
public sealed class ByteBuffer
{
    private byte[] _data;
    private int _length;

    public ByteBuffer(int capacity = 64 * 1024)
    {
        _data = new byte[Math.Max(capacity, 16)];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _data.AsSpan(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Drops everything after the first <paramref name="length"/> bytes (undo a partly written record).</summary>
    public void Truncate(int length) => _length = length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(byte value)
    {
        if (_length == _data.Length) Grow(1);
        _data[_length++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _data.Length) Grow(bytes.Length);
        bytes.CopyTo(_data.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Space for at least <paramref name="size"/> bytes; finish with <see cref="Advance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_length + size > _data.Length) Grow(size);
        return _data.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    private void Grow(int extra) => Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + extra));
}
