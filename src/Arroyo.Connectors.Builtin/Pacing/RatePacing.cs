namespace Arroyo.Connectors.Builtin.Pacing;

/// <summary>
/// When a source with an event rate (impulse, nexmark) emits what is due. Emitting everything
/// due at every poll makes batches tiny once the source keeps up with its rate: a poll finds
/// only the few events that came due while the last one was generated, and every batch then
/// pays the chain's per-batch cost (column objects, watermark, hand-over) for a handful of
/// rows — nexmark at 3 M events/s spent twice the CPU per event of an unthrottled run. So a
/// poll emits a full batch whenever one is due, and fewer rows only once the oldest of them
/// has waited <see cref="MaxWaitNanos"/> (or they are the last of a bounded input); otherwise
/// the source reports Idle and the runtime sleeps until more are due. At low rates nothing
/// changes: the runtime's idle sleep is longer than the wait, so the rows go out on waking.
/// </summary>
internal static class RatePacing
{
    /// <summary>How long due rows may wait for a batch to fill: well under the runtime's idle sleep.</summary>
    public const long MaxWaitNanos = 1_000_000;

    /// <param name="due">Rows due now and not yet emitted.</param>
    /// <param name="batch">Rows of a full batch.</param>
    /// <param name="left">Rows the input has left (<see cref="ulong.MaxValue"/> when unbounded).</param>
    /// <param name="waitedNanos">How long ago the oldest of the due rows became due.</param>
    public static bool ShouldEmit(ulong due, ulong batch, ulong left, long waitedNanos) =>
        due > 0 && (due >= batch || due >= left || waitedNanos >= MaxWaitNanos);
}
