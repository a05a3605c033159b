namespace Arroyo.Runtime.Execution;

/// <summary>
/// When a source subtask sends on what its chain's tail holds (<see cref="EdgeOutput.Holding"/>):
/// after <see cref="MaxPolls"/> polls that left messages held, once the oldest has waited
/// <c>maxHold</c>, or at once when the source has nothing more due right now. A receiver is
/// then woken once per few batches instead of twice per batch (a batch and its watermark),
/// and a source that is not busy adds no latency. Times are explicit so that tests need no clock.
/// </summary>
internal sealed class SourceHoldPolicy
{
    /// <summary>Four polls send four batches and four watermarks: a queue's capacity (8), so a flush wakes the receiver once.</summary>
    public const int MaxPolls = 4;

    private readonly long _maxHoldTicks;
    private int _polls;
    private long _since;

    public SourceHoldPolicy(TimeSpan maxHold, long ticksPerSecond)
    {
        _maxHoldTicks = (long)(maxHold.TotalSeconds * ticksPerSecond);
    }

    /// <summary>
    /// After a poll that left messages held; <paramref name="moreDue"/> when the source said it may
    /// have more right away. True when the held messages must go now (the count starts again).
    /// </summary>
    public bool AfterPoll(bool moreDue, long now)
    {
        if (_polls++ == 0) _since = now;
        if (moreDue && _polls < MaxPolls && now - _since < _maxHoldTicks) return false;
        _polls = 0;
        return true;
    }
}
