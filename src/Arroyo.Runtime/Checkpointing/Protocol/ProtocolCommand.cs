using Arroyo.Execution;
using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime.Checkpointing.Protocol;

/// <summary>What the protocol asks its driver to do; the driver does it in the order given.</summary>
internal abstract record ProtocolCommand
{
    /// <summary>Send <paramref name="Barrier"/> to every source subtask.</summary>
    public sealed record TriggerBarrier(CheckpointBarrier Barrier) : ProtocolCommand;

    /// <summary>Write the manifest (last, alone) and report <see cref="ProtocolEvent.ManifestWritten"/> or <see cref="ProtocolEvent.ManifestFailed"/>.</summary>
    public sealed record WriteManifest(CheckpointManifest Manifest) : ProtocolCommand;

    /// <summary>Checkpoint <paramref name="Epoch"/> is durable (or restored, when <paramref name="IsReplay"/>): every subtask commits.</summary>
    public sealed record SendCommit(long Epoch, IReadOnlyList<PendingCommit> Commits, bool IsReplay) : ProtocolCommand;

    /// <summary>The run failed: stop every subtask without a checkpoint.</summary>
    public sealed record AbortSubtasks : ProtocolCommand;

    public sealed record Log(string Message, bool IsWarning = false) : ProtocolCommand;

    /// <summary>Tell the engine's observer (a pipeline host).</summary>
    public sealed record Report(EngineEvent Event) : ProtocolCommand;
}
