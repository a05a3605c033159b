using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// One subtask's instance of a dataflow operator. The runtime calls it from a single thread:
/// <see cref="Open"/> once; after a restore, <see cref="OnCommit"/> of the restored epoch (a
/// replay) before anything else; then any interleaving of <see cref="OnBatch"/>,
/// <see cref="OnWatermark"/>, <see cref="OnTick"/>, <see cref="OnInputDrained"/>, <see cref="OnCheckpoint"/> directly followed
/// by <see cref="PreCommit"/> (at an aligned barrier) and <see cref="OnCommit"/> (after a
/// checkpoint's manifest is durable); then <see cref="OnEnd"/> once if every input reached its
/// end (not when stopping at a checkpoint); then <see cref="Close"/>.
/// Defaults do the obvious thing, so an operator overrides only what it needs.
/// </summary>
/// <remarks>
/// <para><b>Two-phase commit.</b> At the barrier of epoch N an operator that publishes to the
/// outside world makes everything before the barrier durable but not yet visible and returns from
/// <see cref="PreCommit"/> what it takes to publish it (a transaction id, an upload id and its
/// parts, the files to add to a table...). The runtime stores those bytes in checkpoint N's
/// manifest and, only once that manifest is durable, calls <see cref="OnCommit"/>(N) on every
/// subtask of the operator with the data of all of them. A restore replays the restored
/// checkpoint's commit, because the previous run may have died between its manifest and its
/// commit, or half way through the commit.</para>
/// <para>So <see cref="OnCommit"/> must be idempotent: committing N again (after a restart, at any
/// parallelism) must leave the same result as committing it once. A checkpoint that fails is
/// never committed: the next <see cref="PreCommit"/> must then cover what the failed one
/// prepared as well. Commits come in epoch order, and commit N (when N completes) is delivered
/// before the barrier of N + 1 reaches <see cref="OnCheckpoint"/>.</para>
/// </remarks>
public interface IOperator
{
    /// <summary>Restore state from <see cref="OperatorContext.State"/> here.</summary>
    void Open(OperatorContext context) { }

    /// <summary><paramref name="input"/> is the logical input (0, or 1 for a join's right side).</summary>
    void OnBatch(Batch batch, int input, IOutput output);

    /// <summary>
    /// False only for an operator that reads a batch given to <see cref="OnBatch"/> (its columns
    /// and their arrays) while that call runs and keeps no reference to them afterwards (what it
    /// emits is judged by whoever receives it). When every operator chained after a source says
    /// so and the chain ends in a sink, the source may overwrite its last batch's arrays with the
    /// next one (<see cref="OperatorContext.SourceBuffersReusable"/>). True, the default, is always safe.
    /// </summary>
    bool RetainsInput => true;

    /// <summary>
    /// False only for an operator whose emitted batches never share arrays with the batches given
    /// to <see cref="OnBatch"/> (it emits copies of the rows it keeps, or batches of its own). What
    /// leaves a source's chain through an edge after such an operator holds none of the source's
    /// arrays, so a queue to another thread does not stop the source reusing them
    /// (<see cref="OperatorContext.SourceBuffersReusable"/>). True, the default, is always safe.
    /// </summary>
    bool EmitsInputArrays => true;

    /// <summary>The minimum watermark over all inputs advanced. Default: pass it on.</summary>
    void OnWatermark(Watermark watermark, IOutput output) => output.EmitWatermark(watermark);

    /// <summary>Snapshot state for <paramref name="barrier"/>'s epoch. Output emitted here precedes the barrier downstream.</summary>
    void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) { }

    /// <summary>
    /// Phase one of a two-phase commit, right after <see cref="OnCheckpoint"/> for the same barrier:
    /// returns what <see cref="OnCommit"/> needs to publish everything before the barrier (kept
    /// small: it goes into the manifest), or null when there is nothing to commit.
    /// </summary>
    byte[]? PreCommit(CheckpointBarrier barrier) => null;

    /// <summary>
    /// Phase two: the checkpoint of <paramref name="epoch"/> is durable (or was restored, see
    /// <see cref="CommitData.IsReplay"/>); publish what <paramref name="data"/> describes. Idempotent.
    /// </summary>
    void OnCommit(long epoch, CommitData data) { }

    /// <summary>Called about every <see cref="OperatorContext.TickInterval"/> of processing time, for flushes and timeouts.</summary>
    void OnTick(long nowNanos, IOutput output) { }

    /// <summary>
    /// The subtask has handled every input waiting for it (its queue is empty, or its source
    /// has nothing due), after at least one batch since the last call. A sink that buffers
    /// writes out here, so a row does not wait for a tick when nothing follows it; under a
    /// steady load the queue is rarely empty and buffers fill as before (see <see cref="FlushPolicy"/>).
    /// </summary>
    void OnInputDrained(IOutput output) { }

    /// <summary>All inputs ended (after a final watermark at +∞).</summary>
    void OnEnd(IOutput output) { }

    void Close() { }
}
