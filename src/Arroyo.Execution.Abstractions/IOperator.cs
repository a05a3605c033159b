using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// One subtask's instance of a dataflow operator. The runtime calls it from a single thread:
/// <see cref="Open"/> once; then any interleaving of <see cref="OnBatch"/>, <see cref="OnWatermark"/>,
/// <see cref="OnTick"/>, <see cref="OnCheckpoint"/> (at an aligned barrier) and <see cref="OnCommit"/>
/// (after a checkpoint's manifest is durable); then <see cref="OnEnd"/> once if every input
/// reached its end (not when stopping at a checkpoint); then <see cref="Close"/>.
/// Defaults do the obvious thing, so an operator overrides only what it needs.
/// </summary>
public interface IOperator
{
    /// <summary>Restore state from <see cref="OperatorContext.State"/> here.</summary>
    void Open(OperatorContext context) { }

    /// <summary><paramref name="input"/> is the logical input (0, or 1 for a join's right side).</summary>
    void OnBatch(Batch batch, int input, IOutput output);

    /// <summary>The minimum watermark over all inputs advanced. Default: pass it on.</summary>
    void OnWatermark(Watermark watermark, IOutput output) => output.EmitWatermark(watermark);

    /// <summary>Snapshot state for <paramref name="barrier"/>'s epoch. Output emitted here precedes the barrier downstream.</summary>
    void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) { }

    /// <summary>The checkpoint of <paramref name="epoch"/> is complete: two-phase-commit sinks commit here.</summary>
    void OnCommit(long epoch) { }

    /// <summary>Called about every <see cref="OperatorContext.TickInterval"/> of processing time, for flushes and timeouts.</summary>
    void OnTick(long nowNanos, IOutput output) { }

    /// <summary>All inputs ended (after a final watermark at +∞).</summary>
    void OnEnd(IOutput output) { }

    void Close() { }
}
