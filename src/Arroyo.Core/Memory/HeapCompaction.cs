using System.Diagnostics;
using System.Runtime;

namespace Arroyo.Core.Memory;

/// <summary>
/// Gives back the memory of the large arrays a growing table leaves behind. A table grows by
/// replacing arrays with bigger copies (a key index's slots, accumulator columns); the old ones
/// are free space in the large object heap (or, under the large-object threshold, in gen2),
/// which the background collections that run under load never compact: at a million keys
/// 0-17 MB, a third of the table again, held for the rest of the run (bench/NOTES.md, sessions
/// 16 and 17). After such a growth, once a full collection has counted that free space, one
/// blocking compacting collection moves the live arrays together and returns the rest.
/// A table grows geometrically, so this happens a few times in its life, and only where the
/// free space is a real share of the heap (<see cref="ShouldCompact"/>); the pause is a copy of
/// the live heap (bench/RESULTS.md, session 17: tens of milliseconds at a million keys).
/// </summary>
public static class HeapCompaction
{
    /// <summary>Free space below this is left alone: not worth a pause.</summary>
    public const long MinFragmentedBytes = 8L << 20;

    /// <summary>Compact only when the free space is at least 1/<c>FragmentedShare</c> of the heap.</summary>
    public const int FragmentedShare = 8;

    /// <summary>
    /// Nor in a heap bigger than this: the pause copies the live heap (~0.1-0.2 s per 100 MB
    /// measured under load), and a bigger table's free space is a smaller share of it anyway
    /// (at 10 M keys the table met its memory target without).
    /// </summary>
    public const long MaxHeapBytes = 256L << 20;

    // One compaction at a time: subtasks of one pipeline may ask together.
    private static int s_running;

    /// <summary>
    /// Whether free space of <paramref name="fragmentedBytes"/> in a heap of
    /// <paramref name="heapBytes"/> (both after the last full collection) is worth a compacting
    /// collection: at least <see cref="MinFragmentedBytes"/> and 1/<see cref="FragmentedShare"/>
    /// of a heap of at most <see cref="MaxHeapBytes"/>.
    /// </summary>
    public static bool ShouldCompact(long fragmentedBytes, long heapBytes) =>
        fragmentedBytes >= MinFragmentedBytes && fragmentedBytes * FragmentedShare >= heapBytes && heapBytes <= MaxHeapBytes;

    /// <summary>How many full collections the process has had: a table that grew compares it later (<see cref="CompactIfFragmented"/>).</summary>
    public static int FullCollections => GC.CollectionCount(2);

    /// <summary>
    /// After a table grew: once a full collection ran since (<paramref name="grownAt"/>, the
    /// <see cref="FullCollections"/> at the growth; before it the old arrays are not counted as
    /// free), compacts the heap if its free space in gen2 and the large object heap is worth it.
    /// Returns null while no full collection has run since the growth (ask again later), else
    /// what was decided.
    /// </summary>
    public static Outcome? CompactIfFragmented(int grownAt)
    {
        if (FullCollections <= grownAt) return null;
        if (Interlocked.Exchange(ref s_running, 1) == 1) return new Outcome(false, 0, 0, TimeSpan.Zero, TimeSpan.Zero);
        try
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            var generations = info.GenerationInfo;
            // Gen2 and the large object heap: gen0 and gen1's free space is reused at once.
            var fragmented = generations.Length > 3 ? generations[2].FragmentationAfterBytes + generations[3].FragmentationAfterBytes : info.FragmentedBytes;
            if (!ShouldCompact(fragmented, info.HeapSizeBytes)) return new Outcome(false, fragmented, info.HeapSizeBytes, TimeSpan.Zero, TimeSpan.Zero);
            var started = Stopwatch.GetTimestamp();
            var cpu = Environment.CpuUsage.TotalTime;
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return new Outcome(true, fragmented, info.HeapSizeBytes, Stopwatch.GetElapsedTime(started), Environment.CpuUsage.TotalTime - cpu);
        }
        finally
        {
            Volatile.Write(ref s_running, 0);
        }
    }

    /// <summary>What <see cref="CompactIfFragmented"/> found and did.</summary>
    /// <param name="Compacted">Whether it ran a compacting collection.</param>
    /// <param name="FragmentedBytes">Free space in gen2 and the large object heap after the last collection.</param>
    /// <param name="HeapBytes">The heap's size after the last collection.</param>
    /// <param name="Pause">How long the compacting collection took (wall time: the pipeline stood still).</param>
    /// <param name="Cpu">The process's CPU time during it.</param>
    public readonly record struct Outcome(bool Compacted, long FragmentedBytes, long HeapBytes, TimeSpan Pause, TimeSpan Cpu);
}
