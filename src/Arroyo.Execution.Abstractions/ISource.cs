namespace Arroyo.Execution;

public enum SourceStatus
{
    /// <summary>Produced data (or may have more right away): poll again.</summary>
    Continue,

    /// <summary>Nothing available now: the runtime waits a little before polling again.</summary>
    Idle,

    /// <summary>The source has reached the end of its input and will produce nothing more.</summary>
    Finished,
}

/// <summary>
/// A source subtask. The runtime polls it in a loop and, between polls, takes checkpoints:
/// at a checkpoint the source records its position in <see cref="OnCheckpoint"/>, and the
/// runtime sends the barrier after everything emitted so far. Every emitted batch must carry
/// the <c>_timestamp</c> column.
/// </summary>
public interface ISource
{
    /// <summary>Restore the read position from <see cref="OperatorContext.State"/> here.</summary>
    void Open(OperatorContext context) { }

    SourceStatus Poll(IOutput output);

    void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state) { }

    /// <summary>Phase one of a two-phase commit, as <see cref="IOperator.PreCommit"/>.</summary>
    byte[]? PreCommit(CheckpointBarrier barrier) => null;

    /// <summary>Phase two, as <see cref="IOperator.OnCommit"/> (same order, same idempotency).</summary>
    void OnCommit(long epoch, CommitData data) { }

    void Close() { }
}
