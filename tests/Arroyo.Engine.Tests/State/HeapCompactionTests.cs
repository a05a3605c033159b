using Arroyo.Core.Memory;

namespace Arroyo.Engine.Tests.State;

public sealed class HeapCompactionTests
{
    [Theory]
    [InlineData(7L << 20, 10L << 20, false)]   // under the minimum, however big a share
    [InlineData(8L << 20, 64L << 20, true)]    // the minimum, 1/8 of the heap
    [InlineData(8L << 20, 65L << 20, false)]   // less than 1/8
    [InlineData(32L << 20, 256L << 20, true)]
    [InlineData(60L << 20, 500L << 20, false)]
    [InlineData(100L << 20, 300L << 20, false)] // a heap too big to copy in a short pause
    public void Compacts_only_when_the_free_space_is_big_and_a_real_share_of_the_heap(long fragmented, long heap, bool expected) =>
        Assert.Equal(expected, HeapCompaction.ShouldCompact(fragmented, heap));

    [Fact]
    public void A_table_asks_once_per_growth_and_only_after_a_full_collection_counted_the_old_arrays()
    {
        var collections = 5;
        var asked = new List<int>();
        HeapCompaction.Outcome? Compact(int grownAt)
        {
            asked.Add(grownAt);
            return collections > grownAt ? new HeapCompaction.Outcome(true, 1, 2, TimeSpan.Zero, TimeSpan.Zero) : null;
        }
        var watch = new GrowthWatch(() => collections, Compact);

        Assert.Null(watch.Tick(0)); // nothing grew: never asks
        Assert.Empty(asked);
        Assert.Null(watch.Tick(100)); // grew: noted at collection 5
        Assert.Null(watch.Tick(100)); // no full collection since: asked, not yet decided
        Assert.Equal([5], asked);
        collections = 6;
        Assert.Null(watch.Tick(150)); // grew again: noted anew, at collection 6, without asking
        Assert.Equal([5], asked);
        Assert.Null(watch.Tick(150)); // the collection before the latest growth does not count
        Assert.Equal([5, 6], asked);
        collections = 7;
        Assert.Equal(new HeapCompaction.Outcome(true, 1, 2, TimeSpan.Zero, TimeSpan.Zero), watch.Tick(150));
        Assert.Equal([5, 6, 6], asked);
        Assert.Null(watch.Tick(150)); // decided: not asked again until the next growth
        Assert.Equal(3, asked.Count);
        Assert.Null(watch.Tick(200));
        collections = 8;
        Assert.NotNull(watch.Tick(200));
        Assert.Equal([5, 6, 6, 7], asked);
    }
}

/// <summary>The real collection: alone, so no other test's allocations change the heap it measures.</summary>
[Collection(nameof(HeapCompactionCollection))]
public sealed class HeapCompactionCollectionTests
{
    [Fact]
    public void Free_space_left_between_large_arrays_is_compacted_away()
    {
        // Large arrays one after another, every other one dropped: after a sweeping full
        // collection the dropped ones are free space between live ones, as a table's replaced
        // arrays are.
        var arrays = new List<long[]>();
        for (var i = 0; i < 24; i++) arrays.Add(new long[3 << 17]); // 3 MB each
        var kept = arrays.Where((_, i) => i % 2 == 0).ToList();
        arrays.Clear();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        var grownAt = HeapCompaction.FullCollections - 1;

        var outcome = HeapCompaction.CompactIfFragmented(grownAt);

        Assert.NotNull(outcome);
        Assert.True(outcome.Value.Compacted, $"not compacted: {outcome.Value.FragmentedBytes >> 20} MB free of {outcome.Value.HeapBytes >> 20} MB");
        Assert.True(outcome.Value.FragmentedBytes >= 18L << 20, $"{outcome.Value.FragmentedBytes >> 20} MB free before");
        var after = GC.GetGCMemoryInfo(GCKind.Any).GenerationInfo[3].FragmentationAfterBytes;
        Assert.True(after < 8L << 20, $"{after >> 20} MB still free in the large object heap");
        Assert.Null(HeapCompaction.CompactIfFragmented(HeapCompaction.FullCollections)); // no collection since: nothing known yet
        GC.KeepAlive(kept);
    }
}

[CollectionDefinition(nameof(HeapCompactionCollection), DisableParallelization = true)]
public sealed class HeapCompactionCollection;
