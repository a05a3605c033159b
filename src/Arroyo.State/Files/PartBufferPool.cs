namespace Arroyo.State.Files;

/// <summary>
/// The buffers state files are encoded into, kept for the next checkpoint — but only a few.
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/> was used before: it keeps an array per
/// thread and per core for each power-of-two size, so part buffers of tens or hundreds of
/// megabytes, rented on one thread and returned on another as uploads completed, piled up in
/// it and were never trimmed while memory was plentiful (a 1 M-key aggregate with a 69 MB
/// checkpoint climbed past 2.5 GB RSS). This pool keeps at most <see cref="MaxRetained"/>
/// buffers and hands every other one back to the GC.
/// </summary>
internal static class PartBufferPool
{
    /// <summary>One buffer per concurrent writer is the common case (subtasks encode one part at a time); two absorb a neighbour.</summary>
    private const int MaxRetained = 2;

    /// <summary>Buffers below this are not worth keeping: they live in the small-object heap and die young.</summary>
    private const int MinRetainedBytes = 1 << 20;

    private static readonly object s_lock = new();
    private static readonly List<byte[]> s_retained = [];

    public static byte[] Rent(int minimumLength)
    {
        lock (s_lock)
        {
            // The smallest retained buffer that fits: big ones stay for big parts.
            var best = -1;
            for (var i = 0; i < s_retained.Count; i++)
            {
                if (s_retained[i].Length >= minimumLength && (best < 0 || s_retained[i].Length < s_retained[best].Length)) best = i;
            }
            if (best >= 0)
            {
                var buffer = s_retained[best];
                s_retained.RemoveAt(best);
                return buffer;
            }
        }
        // An eighth more than asked for, so a state that grows a little between checkpoints
        // still fits the buffer kept from the last one. Uninitialised: every byte handed out is
        // written before it is read.
        var length = minimumLength < MinRetainedBytes ? minimumLength : (int)Math.Min(Array.MaxLength, minimumLength + (long)minimumLength / 8);
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Buffers retained now (for tests).</summary>
    internal static int RetainedCount
    {
        get
        {
            lock (s_lock) return s_retained.Count;
        }
    }

    /// <summary>Drops every retained buffer (the GC frees them): after a big checkpoint, whose buffers would otherwise sit idle until the next.</summary>
    public static void Trim()
    {
        lock (s_lock) s_retained.Clear();
    }

    public static void Return(byte[] buffer)
    {
        if (buffer.Length < MinRetainedBytes) return;
        lock (s_lock)
        {
            if (s_retained.Count < MaxRetained)
            {
                s_retained.Add(buffer);
                return;
            }
            // Full: keep the larger of this and the smallest retained one.
            var smallest = 0;
            for (var i = 1; i < s_retained.Count; i++)
            {
                if (s_retained[i].Length < s_retained[smallest].Length) smallest = i;
            }
            if (s_retained[smallest].Length < buffer.Length) s_retained[smallest] = buffer;
        }
    }
}
