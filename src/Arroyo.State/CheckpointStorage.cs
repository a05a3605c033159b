using Arroyo.Execution;
namespace Arroyo.State;

/// <summary>
/// The runtime's view of the state dir during a run. Call order for epoch N: every subtask
/// calls <see cref="CreateWriter"/>, writes its tables, then <see cref="FinishWriterAsync"/>
/// (durable when its task completes); once all subtasks of all operators finished, the coordinator
/// calls <see cref="CompleteCheckpoint"/>, which writes the manifest last. Only then is N a
/// checkpoint a later run may restore, and only then may sinks commit.
/// </summary>
public interface ICheckpointStorage
{
    /// <summary>The epoch the run restored from, or null on a fresh start.</summary>
    long? RestoredEpoch { get; }

    IStateWriter CreateWriter(long epoch, int nodeId, int subtask);

    /// <summary>
    /// Encodes the writer's tables at once (the caller may change its state afterwards) and
    /// uploads them in the background; the task completes with the bytes written once they
    /// are durable, or fails if they could not be written.
    /// </summary>
    Task<long> FinishWriterAsync(IStateWriter writer);

    /// <summary>Writes the manifest of <paramref name="epoch"/> (last, atomically) and cleans up old checkpoints.</summary>
    void CompleteCheckpoint(long epoch, CheckpointStats stats);

    /// <summary>
    /// The restored state of one subtask of a node at the current parallelism. Operators read
    /// it when they open; it is empty once the run's first checkpoint has completed.
    /// </summary>
    IStateReader CreateReader(int nodeId, int subtask, int parallelism);
}

public sealed record CheckpointStats(long Epoch, TimeSpan Duration, long Bytes, bool ThenStop, bool SourcesFinished);
