namespace Arroyo.Storage;

/// <summary>
/// Bounded exponential backoff with jitter for <see cref="RetryingObjectStore"/>. The n-th
/// retry waits a random time in [d/2, d] where d = min(<see cref="MaxDelay"/>,
/// <see cref="InitialDelay"/> · <see cref="Multiplier"/>^(n-1)); jitter keeps parallel
/// subtasks that failed together from retrying in lockstep.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>About 25 s of trying in total before giving up: long enough to ride out a
    /// store restart, short enough that a checkpoint fails and is retried later instead.</summary>
    public static RetryPolicy Default { get; } = new();

    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Attempts including the first; 1 means no retries.</summary>
    public int MaxAttempts { get; init; } = 8;

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    public double Multiplier { get; init; } = 2.0;

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based).</summary>
    public TimeSpan DelayBeforeRetry(int retry, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, retry - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * random.NextDouble()));
    }
}
