using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime;

/// <summary>What a running engine tells its observer (see <see cref="Engine.Start"/>).</summary>
public abstract record EngineEvent
{
    /// <summary>The barrier of <paramref name="Epoch"/> went to the sources.</summary>
    public sealed record CheckpointStarted(long Epoch, bool ThenStop) : EngineEvent;

    /// <summary>
    /// The manifest of <paramref name="Epoch"/> is durable; commits were sent. <paramref name="Files"/>:
    /// the state files it lists (their keys name node and subtask, see <see cref="StatePaths.SubtaskOf"/>).
    /// </summary>
    public sealed record CheckpointCompleted(long Epoch, TimeSpan Duration, long Bytes, bool ThenStop, IReadOnlyList<ManifestFile> Files) : EngineEvent;

    /// <summary>Checkpoint <paramref name="Epoch"/> was dropped; a final one (<paramref name="ThenStop"/>) fails the run.</summary>
    public sealed record CheckpointFailed(long Epoch, Exception Error, bool ThenStop) : EngineEvent;

    public sealed record SourceFinished(string Operator, int Subtask) : EngineEvent;

    public sealed record SubtaskFailed(string Operator, int Subtask, Exception Error) : EngineEvent;

    /// <summary>Every subtask has exited; <paramref name="Failure"/> is null after a clean stop.</summary>
    public sealed record Finished(long LastCheckpointEpoch, Exception? Failure) : EngineEvent;
}
