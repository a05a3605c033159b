namespace Arroyo.Execution;

/// <summary>
/// What every subtask of one operator pre-committed for one checkpoint (the bytes its
/// <c>PreCommit</c> returned), handed to <c>OnCommit</c> once the checkpoint's manifest is
/// durable. Every subtask of the operator receives the whole set, so a single committer
/// (e.g. subtask 0 of a file or table sink) can publish what all of them prepared.
/// </summary>
/// <param name="BySubtask">Pre-commit data by the index of the subtask that returned it. After a
/// restore at another parallelism (<see cref="IsReplay"/>) the indices are those of the run that
/// took the checkpoint, not of the current one.</param>
/// <param name="IsReplay">True when this is the restored checkpoint's commit, replayed after a
/// restart because the previous run may have died between its manifest and its commit.</param>
public sealed record CommitData(IReadOnlyDictionary<int, byte[]> BySubtask, bool IsReplay)
{
    public static CommitData Empty { get; } = new(new Dictionary<int, byte[]>(), false);

    /// <summary>The data subtask <paramref name="subtask"/> pre-committed, or null if it returned none.</summary>
    public byte[]? For(int subtask) => BySubtask.GetValueOrDefault(subtask);
}
