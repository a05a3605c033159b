using Arroyo.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Runtime.Execution;

/// <summary>Out-of-band messages from the coordinator to a subtask; never subject to barrier alignment.</summary>
internal abstract record ControlMessage
{
    /// <summary>To sources: take checkpoint <see cref="Barrier"/> now and send it downstream.</summary>
    public sealed record TriggerCheckpoint(CheckpointBarrier Barrier) : ControlMessage;

    /// <summary>Checkpoint <see cref="Epoch"/> is complete: commit.</summary>
    public sealed record Commit(long Epoch) : ControlMessage;
}
