using Arroyo.Execution;
using Arroyo.State.Checkpoints;

namespace Arroyo.State;

/// <summary>
/// The runtime's view of the state dir during a run. Call order for epoch N: every subtask
/// calls <see cref="CreateWriter"/>, writes its tables, then <see cref="FinishWriterAsync"/>
/// (durable when its task completes, with the files it wrote); once all subtasks of all
/// operators finished, the coordinator builds the manifest from what they reported and calls
/// <see cref="WriteManifestAsync"/>, which writes it last. Only then is N a checkpoint a later
/// run may restore, and only then may sinks commit.
/// </summary>
public interface ICheckpointStorage
{
    /// <summary>The epoch the run restored from, or null on a fresh start.</summary>
    long? RestoredEpoch { get; }

    /// <summary>The restored checkpoint's pre-commit data, replayed before the run starts (empty on a fresh start).</summary>
    IReadOnlyList<PendingCommit> RestoredCommits { get; }

    IStateWriter CreateWriter(long epoch, int nodeId, int subtask);

    /// <summary>
    /// Encodes the writer's tables at once (the caller may change its state afterwards) and
    /// uploads them in the background; the task completes with the files written once they
    /// are durable, or fails if they could not be written.
    /// </summary>
    Task<IReadOnlyList<ManifestFile>> FinishWriterAsync(IStateWriter writer);

    /// <summary>Writes <paramref name="manifest"/> (last, atomically) and cleans up old checkpoints in the background.</summary>
    Task WriteManifestAsync(CheckpointManifest manifest);

    /// <summary>
    /// The restored state of one subtask of a node at the current parallelism. Operators read
    /// it when they open; it is empty once the run's first checkpoint has completed.
    /// </summary>
    IStateReader CreateReader(int nodeId, int subtask, int parallelism);
}
