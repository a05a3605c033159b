namespace Arroyo.Host;

/// <summary>Something that happened to a running pipeline, in the order it happened.</summary>
public abstract record PipelineEvent(DateTimeOffset At);

/// <summary>Subtasks are running. <paramref name="RestoredEpoch"/>: the checkpoint it resumed from, null on a fresh start.</summary>
public sealed record PipelineStarted(DateTimeOffset At, long? RestoredEpoch) : PipelineEvent(At);

public sealed record StopRequested(DateTimeOffset At) : PipelineEvent(At);

/// <summary>Ended after its final checkpoint.</summary>
public sealed record PipelineFinished(DateTimeOffset At, long LastCheckpointEpoch) : PipelineEvent(At);

public sealed record PipelineFailed(DateTimeOffset At, Exception Error) : PipelineEvent(At);
