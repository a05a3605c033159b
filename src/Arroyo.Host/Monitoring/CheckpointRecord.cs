namespace Arroyo.Host.Monitoring;

public enum CheckpointOutcome
{
    InProgress,
    Completed,
    Failed,
}

/// <summary>
/// One checkpoint of this run: when it started and ended, how it went, and the bytes of state
/// each subtask of each node wrote (<see cref="SubtaskBytes"/>: node id → subtask → bytes).
/// </summary>
public sealed record CheckpointRecord(
    long Epoch,
    bool Stopping,
    DateTimeOffset StartedAt,
    CheckpointOutcome Outcome = CheckpointOutcome.InProgress,
    DateTimeOffset? FinishedAt = null,
    TimeSpan? Duration = null,
    long Bytes = 0,
    string? Error = null)
{
    public IReadOnlyDictionary<int, IReadOnlyDictionary<int, long>> SubtaskBytes { get; init; } = new Dictionary<int, IReadOnlyDictionary<int, long>>();
}
