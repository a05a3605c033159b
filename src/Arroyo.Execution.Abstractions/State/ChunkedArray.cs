namespace Arroyo.Execution;

/// <summary>
/// A growable array of values per key id, held in fixed-size chunks. Growing adds a chunk and
/// never copies, so a table of millions of keys costs its size once: a doubling array would
/// hold up to twice what it needs and, while it grows, the old and the new copy at once.
/// Chunks are allocated zeroed.
/// </summary>
public sealed class ChunkedArray<T> where T : unmanaged
{
    /// <summary>Values per chunk: 64 Ki (512 KB of longs), so the unused tail is small next to a big table.</summary>
    public const int ChunkShift = 16;
    public const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private T[][] _chunks = [];
    private int _chunkCount;

    /// <summary>How many values are addressable.</summary>
    public int Capacity => _chunkCount << ChunkShift;

    /// <summary>Bytes held (for memory reports).</summary>
    public long BytesHeld => (long)_chunkCount * ChunkSize * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public ref T this[int index] => ref _chunks[index >> ChunkShift][index & ChunkMask];

    /// <summary>Makes [0, <paramref name="count"/>) addressable.</summary>
    public void EnsureCapacity(int count)
    {
        while (Capacity < count)
        {
            if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
            _chunks[_chunkCount++] = new T[ChunkSize];
        }
    }

    /// <summary>The values [start, start + length) that lie in one chunk: at most up to the end of <paramref name="start"/>'s chunk.</summary>
    public Span<T> Run(int start, int length)
    {
        var offset = start & ChunkMask;
        return _chunks[start >> ChunkShift].AsSpan(offset, Math.Min(length, ChunkSize - offset));
    }

    /// <summary>Drops every chunk.</summary>
    public void Reset()
    {
        _chunks = [];
        _chunkCount = 0;
    }
}
