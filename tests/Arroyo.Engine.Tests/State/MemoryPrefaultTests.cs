using Arroyo.Core.Memory;
using Arroyo.Execution;

namespace Arroyo.Engine.Tests.State;

public sealed class MemoryPrefaultTests
{
    [Fact]
    public void Big_arrays_come_back_zeroed_even_where_the_heap_held_other_data()
    {
        // Uninitialized allocation may hand out memory an earlier array filled: the mapping in
        // must leave every element zero, as `new` would.
        for (var round = 0; round < 3; round++)
        {
            var dirty = new long[1 << 20];
            Array.Fill(dirty, -1L);
            GC.KeepAlive(dirty);
            dirty = null;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var fresh = MemoryPrefault.AllocateZeroed<long>(1 << 20);
            Assert.Equal(1 << 20, fresh.Length);
            Assert.True(fresh.AsSpan().IndexOfAnyExcept(0L) < 0, $"round {round}: a non-zero element");
            var run = MemoryPrefault.AllocateZeroedRun<int>(5, 1 << 16);
            Assert.All(run, chunk => Assert.True(chunk.Length == 1 << 16 && chunk.AsSpan().IndexOfAnyExcept(0) < 0));
        }
        Assert.Equal(new byte[16], MemoryPrefault.AllocateZeroed<byte>(16)); // small: plain allocation
    }

    [Fact]
    public void A_chunked_array_grown_for_a_restore_is_addressable_and_zeroed()
    {
        var column = new ChunkedArray<long>();
        column.EnsureCapacity(10, populate: true);
        column[3] = 42;
        column.EnsureCapacity(ChunkedArray<long>.ChunkSize * 5 + 1, populate: true);
        Assert.Equal(ChunkedArray<long>.ChunkSize * 6, column.Capacity);
        Assert.Equal(42, column[3]);
        for (var i = ChunkedArray<long>.ChunkSize; i < column.Capacity; i += 997) Assert.Equal(0, column[i]);
    }
}
