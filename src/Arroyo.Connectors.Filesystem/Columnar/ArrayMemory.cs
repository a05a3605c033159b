using System.Buffers;
using System.Runtime.InteropServices;

namespace Arroyo.Connectors.Filesystem.Columnar;

/// <summary>
/// The bytes of a <typeparamref name="T"/>[] as <see cref="Memory{T}"/> of bytes, without a
/// copy, so an Arrow buffer can wrap a column's values directly. Columns are immutable once
/// built, so sharing the array with the Parquet writer is safe; the array is pinned while the
/// writer reads it.
/// </summary>
internal sealed class ArrayMemory<T>(T[] array, int length) : MemoryManager<byte> where T : unmanaged
{
    private GCHandle _pin;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan(0, length));

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        if (!_pin.IsAllocated) _pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)_pin.AddrOfPinnedObject() + elementIndex, _pin, this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pin.IsAllocated) _pin.Free();
    }
}
