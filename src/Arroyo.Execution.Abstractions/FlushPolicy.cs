namespace Arroyo.Execution;

/// <summary>
/// When a sink that buffers output should write it out. Latency wants a write as soon as the
/// rows in hand are all there is; throughput wants few, large writes. The runtime tells the
/// difference for us: it calls <see cref="IOperator.OnInputDrained"/> when the subtask's input
/// queue is empty (or its source has nothing due), which under a steady load rarely happens, so
/// buffers fill as before; at a low rate every batch is written as soon as it is handled.
/// The <see cref="MaxDelay"/> is the backstop for a queue that never empties (rows keep coming
/// a little faster than they are written): checked on ticks and after each batch, it bounds
/// how long a buffered row waits even then.
/// </summary>
/// <remarks>
/// Pure bookkeeping on a clock the caller passes in (<see cref="System.Diagnostics.Stopwatch"/>
/// ticks in the runtime), so tests drive it with explicit times and no sleeps. One subtask
/// thread owns an instance.
/// </remarks>
public sealed class FlushPolicy
{
    private readonly long _maxDelayTicks;
    private long _oldestPendingAt;
    private bool _pending;

    /// <param name="maxDelay">How long a buffered row may wait while the input never empties.</param>
    /// <param name="ticksPerSecond">The unit of the times passed in (e.g. <see cref="System.Diagnostics.Stopwatch.Frequency"/>).</param>
    public FlushPolicy(TimeSpan maxDelay, long ticksPerSecond)
    {
        if (maxDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxDelay), "a flush delay cannot be negative");
        MaxDelay = maxDelay;
        _maxDelayTicks = (long)(maxDelay.TotalSeconds * ticksPerSecond);
    }

    /// <summary>The default backstop: short enough that a busy stdout still looks live, long enough to batch writes.</summary>
    public static TimeSpan DefaultMaxDelay { get; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxDelay { get; }

    /// <summary>Whether rows were buffered since the last flush.</summary>
    public bool HasPending => _pending;

    /// <summary>Rows were added to the buffer at <paramref name="now"/>; returns whether to flush now (the backstop expired).</summary>
    public bool Buffered(long now)
    {
        if (!_pending)
        {
            _pending = true;
            _oldestPendingAt = now;
        }
        return Expired(now);
    }

    /// <summary>The input is drained: flush whatever is buffered.</summary>
    public bool OnInputDrained() => _pending;

    /// <summary>A timer fired at <paramref name="now"/>: flush when the oldest buffered row has waited <see cref="MaxDelay"/>.</summary>
    public bool OnTick(long now) => Expired(now);

    /// <summary>The sink wrote its buffer out (for whatever reason: policy, checkpoint, end).</summary>
    public void Flushed() => _pending = false;

    private bool Expired(long now) => _pending && now - _oldestPendingAt >= _maxDelayTicks;
}
