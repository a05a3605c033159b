namespace Arroyo.Core.Partitioning;

/// <summary>
/// Splits the 64-bit key-hash space into <c>parallelism</c> contiguous ranges, subtask i
/// owning the i-th. Shuffles route a row to the subtask owning its key hash, and state is
/// stored with each key's hash, so a checkpoint taken at one parallelism restores at another
/// by filtering rows into the new ranges.
/// </summary>
public static class KeyRange
{
    public static int SubtaskFor(ulong hash, int parallelism) =>
        (int)(((UInt128)hash * (ulong)parallelism) >> 64);

    public static bool Owns(int subtask, int parallelism, ulong hash) => SubtaskFor(hash, parallelism) == subtask;
}
