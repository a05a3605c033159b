using Arroyo.Execution;

namespace Arroyo.Runtime.Execution;

/// <summary>Out-of-band messages from the coordinator to a subtask; never subject to barrier alignment.</summary>
internal abstract record ControlMessage
{
    /// <summary>To sources: take checkpoint <see cref="Barrier"/> now and send it downstream.</summary>
    public sealed record TriggerCheckpoint(CheckpointBarrier Barrier) : ControlMessage;

    /// <summary>Checkpoint <see cref="Epoch"/> is complete (or restored: a replay): commit, with each node's pre-commit data.</summary>
    public sealed record Commit(long Epoch, IReadOnlyDictionary<int, CommitData> ByNode, bool IsReplay) : ControlMessage
    {
        private static readonly CommitData s_emptyReplay = CommitData.Empty with { IsReplay = true };

        /// <summary>The data of node <paramref name="nodeId"/>'s subtasks (empty if none pre-committed anything).</summary>
        public CommitData For(int nodeId) => ByNode.GetValueOrDefault(nodeId) ?? (IsReplay ? s_emptyReplay : CommitData.Empty);
    }
}
