namespace Arroyo.Core.Memory;

/// <summary>
/// Watches one growing table for <see cref="HeapCompaction"/>: at each quiet point (a timer
/// tick) the table says how big its arrays are; after a change, and once a full collection has
/// run since, the heap is compacted if the arrays the growth replaced left enough free space.
/// Not thread-safe: one per table, called from its operator's thread.
/// </summary>
public sealed class GrowthWatch
{
    private readonly Func<int> _fullCollections;
    private readonly Func<int, HeapCompaction.Outcome?> _compact;
    private long _size;
    private int _grownAt = -1; // HeapCompaction.FullCollections when the change was seen; -1: none pending

    public GrowthWatch()
        : this(() => HeapCompaction.FullCollections, HeapCompaction.CompactIfFragmented)
    {
    }

    /// <summary>With the collection count and the compaction given (tests).</summary>
    internal GrowthWatch(Func<int> fullCollections, Func<int, HeapCompaction.Outcome?> compact)
    {
        _fullCollections = fullCollections;
        _compact = compact;
    }

    /// <summary>
    /// <paramref name="size"/>: any measure of the table's arrays that changes when they are
    /// replaced (slot and column capacities). Null while nothing is to be decided.
    /// </summary>
    public HeapCompaction.Outcome? Tick(long size)
    {
        if (size != _size)
        {
            // Still growing, or just grown: the arrays it replaced are counted as free only by
            // a full collection that starts after now.
            _size = size;
            _grownAt = _fullCollections();
            return null;
        }
        if (_grownAt < 0) return null;
        var outcome = _compact(_grownAt);
        if (outcome is not null) _grownAt = -1;
        return outcome;
    }
}
