using Arroyo.State.Checkpoints;

namespace Arroyo.Runtime.Checkpointing.Protocol;

/// <summary>One subtask as the protocol sees it.</summary>
internal sealed record SubtaskInfo(string Name, int SubtaskIndex, bool IsSource);

/// <param name="Interval">Time between periodic checkpoints; null: only on request, stop or end of input.</param>
/// <param name="StopAfterCheckpoints">Testing: stop (as on Ctrl-C) after this many checkpoints of this run.</param>
internal sealed record ProtocolSettings(TimeSpan? Interval, int? StopAfterCheckpoints = null);

/// <summary>The one checkpoint in flight: barrier sent, acknowledgements coming in, then the manifest being written.</summary>
internal sealed record InFlightCheckpoint(long Epoch, bool ThenStop, bool SourcesFinished, TimeSpan StartedAt)
{
    public SubtaskMap<ProtocolEvent.SubtaskAcked> Acks { get; init; } = SubtaskMap<ProtocolEvent.SubtaskAcked>.Empty;

    /// <summary>Every subtask acknowledged and the manifest write was issued.</summary>
    public bool WritingManifest { get; init; }
}

/// <summary>
/// Everything the checkpoint protocol knows, as an immutable value (see
/// <see cref="CheckpointProtocol.Step"/>). Phases: idle (<see cref="InFlight"/> null) →
/// collecting acknowledgements → writing the manifest → idle again with the commit sent; once a
/// stopping checkpoint was triggered nothing new starts, and the run ends when every subtask exited.
/// </summary>
internal sealed record ProtocolState
{
    public required IReadOnlyList<SubtaskInfo> Subtasks { get; init; }

    public required ProtocolSettings Settings { get; init; }

    public long? RestoredEpoch { get; init; }

    /// <summary>The restored checkpoint's pre-commit data, replayed at <see cref="ProtocolEvent.Started"/>.</summary>
    public IReadOnlyList<PendingCommit> RestoredCommits { get; init; } = [];

    public bool Started { get; init; }

    public long NextEpoch { get; init; } = 1;

    /// <summary>The last checkpoint this run made durable (0 if none).</summary>
    public long LastCompletedEpoch { get; init; }

    public int CompletedThisRun { get; init; }

    public InFlightCheckpoint? InFlight { get; init; }

    /// <summary>An explicit request that waits for the checkpoint in flight to end.</summary>
    public bool CheckpointRequested { get; init; }

    public bool StopRequested { get; init; }

    /// <summary>The stopping checkpoint was triggered: no other checkpoint starts after it.</summary>
    public bool StopCheckpointTaken { get; init; }

    public SubtaskSet FinishedSources { get; init; } = SubtaskSet.Empty;

    public SubtaskSet Exited { get; init; } = SubtaskSet.Empty;

    /// <summary>The first failure; the run ends with it once every subtask exited.</summary>
    public Exception? Failure { get; init; }

    /// <summary>When the last checkpoint ended (or the run started): the interval counts from here.</summary>
    public TimeSpan LastCheckpointEnd { get; init; }

    public int SourceCount => Subtasks.Count(s => s.IsSource);

    public bool AllSourcesFinished => FinishedSources.Count > 0 && FinishedSources.Count == SourceCount;

    public bool IsFinished => Exited.Count == Subtasks.Count;

    /// <summary>When the next periodic checkpoint is due, or null while none can start (one in flight, stopping, failed).</summary>
    public TimeSpan? NextCheckpointDue =>
        Started && Failure is null && InFlight is null && !StopCheckpointTaken && Settings.Interval is { } interval
            ? LastCheckpointEnd + interval
            : null;

    public static ProtocolState Initial(IEnumerable<SubtaskInfo> subtasks, ProtocolSettings settings, long? restoredEpoch = null, IReadOnlyList<PendingCommit>? restoredCommits = null) => new()
    {
        Subtasks = subtasks.ToArray(),
        Settings = settings,
        RestoredEpoch = restoredEpoch,
        RestoredCommits = restoredCommits ?? [],
        NextEpoch = (restoredEpoch ?? 0) + 1,
    };
}
