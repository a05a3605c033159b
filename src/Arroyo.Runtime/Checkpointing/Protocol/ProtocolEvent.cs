using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime.Checkpointing.Protocol;

/// <summary>
/// Something the checkpoint protocol reacts to: a request from outside, time passing, or a
/// report from a subtask or the state store. Subtasks are named by their index in
/// <see cref="ProtocolState.Subtasks"/>.
/// </summary>
internal abstract record ProtocolEvent
{
    /// <summary>The run begins (first event): replays the restored checkpoint's commit.</summary>
    public sealed record Started : ProtocolEvent;

    /// <summary>Time passed: a periodic checkpoint may be due.</summary>
    public sealed record Tick : ProtocolEvent;

    /// <summary>Take a checkpoint now (or as soon as the one in flight is over).</summary>
    public sealed record CheckpointRequested : ProtocolEvent;

    /// <summary>Ctrl-C, SIGTERM or a host's stop: take a final checkpoint and stop.</summary>
    public sealed record StopRequested : ProtocolEvent;

    /// <summary>A subtask's state for <paramref name="Epoch"/> is durable: these files, and what its operators pre-committed.</summary>
    public sealed record SubtaskAcked(long Epoch, int Subtask, IReadOnlyList<ManifestFile> Files, IReadOnlyList<PendingCommit> Commits) : ProtocolEvent;

    /// <summary>A subtask's state for <paramref name="Epoch"/> could not be written.</summary>
    public sealed record SubtaskCheckpointFailed(long Epoch, int Subtask, Exception Error) : ProtocolEvent;

    /// <summary>A source subtask reached the end of its input.</summary>
    public sealed record SourceFinished(int Subtask) : ProtocolEvent;

    /// <summary>A subtask threw: the run fails.</summary>
    public sealed record SubtaskFailed(int Subtask, Exception Error) : ProtocolEvent;

    /// <summary>A subtask's thread ended (after a stop, a failure or an abort).</summary>
    public sealed record SubtaskExited(int Subtask) : ProtocolEvent;

    public sealed record ManifestWritten(long Epoch) : ProtocolEvent;

    public sealed record ManifestFailed(long Epoch, Exception Error) : ProtocolEvent;
}
