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

    /// <summary>
    /// Makes [0, <paramref name="count"/>) addressable; with <paramref name="populate"/>, the
    /// chunks it adds are mapped in at once (<see cref="Arroyo.Core.Memory.MemoryPrefault"/>: a
    /// restore about to fill them all).
    /// </summary>
    public void EnsureCapacity(int count, bool populate = false)
    {
        if (Capacity >= count) return;
        var needed = ((count - 1) >> ChunkShift) + 1 - _chunkCount;
        var fresh = populate ? Arroyo.Core.Memory.MemoryPrefault.AllocateZeroedRun<T>(needed, ChunkSize) : null;
        for (var i = 0; i < needed; i++)
        {
            if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
            _chunks[_chunkCount++] = fresh is null ? new T[ChunkSize] : fresh[i];
        }
    }

    /// <summary>The values [start, start + length) that lie in one chunk: at most up to the end of <paramref name="start"/>'s chunk.</summary>
    public Span<T> Run(int start, int length)
    {
        var offset = start & ChunkMask;
        return _chunks[start >> ChunkShift].AsSpan(offset, Math.Min(length, ChunkSize - offset));
    }

    /// <summary>
    /// Sets value <c>ids[i]</c> to <c>values[i]</c> for every i, in order (a later duplicate id
    /// wins): how a restore loads a batch's column into the rows its keys got. Ids that run
    /// consecutively (a table restored into an empty index) are copied a chunk at a time.
    /// </summary>
    public void Scatter(ReadOnlySpan<int> ids, ReadOnlySpan<T> values)
    {
        if (ids.Length != values.Length) throw new ArgumentException($"{ids.Length} ids for {values.Length} values");
        if (IsConsecutive(ids))
        {
            for (var done = 0; done < ids.Length;)
            {
                var run = Run(ids[0] + done, ids.Length - done);
                values.Slice(done, run.Length).CopyTo(run);
                done += run.Length;
            }
            return;
        }
        for (var i = 0; i < ids.Length; i++) this[ids[i]] = values[i];
    }

    /// <summary>Whether <paramref name="ids"/> are first, first + 1, … (a sequential pass, far cheaper than the scattered writes it saves).</summary>
    public static bool IsConsecutive(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty || ids[^1] - ids[0] != ids.Length - 1) return false;
        var first = ids[0];
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] != first + i) return false;
        }
        return true;
    }

    /// <summary>Drops every chunk.</summary>
    public void Reset()
    {
        _chunks = [];
        _chunkCount = 0;
    }
}
