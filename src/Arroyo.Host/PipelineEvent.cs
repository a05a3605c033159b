namespace Arroyo.Host;

/// <summary>Something that happened to a running pipeline, in the order it happened.</summary>
public abstract record PipelineEvent(DateTimeOffset At);

/// <summary>Subtasks are running. <paramref name="RestoredEpoch"/>: the checkpoint it resumed from, null on a fresh start.</summary>
public sealed record PipelineStarted(DateTimeOffset At, long? RestoredEpoch) : PipelineEvent(At);

public sealed record StopRequested(DateTimeOffset At) : PipelineEvent(At);

/// <summary>Ended after its final checkpoint.</summary>
public sealed record PipelineFinished(DateTimeOffset At, long LastCheckpointEpoch) : PipelineEvent(At);

public sealed record PipelineFailed(DateTimeOffset At, Exception Error) : PipelineEvent(At);

/// <summary>The manifest of <paramref name="Epoch"/> is durable: a restart resumes from it.</summary>
public sealed record CheckpointCompleted(DateTimeOffset At, long Epoch, TimeSpan Duration, long Bytes) : PipelineEvent(At);

/// <summary>Checkpoint <paramref name="Epoch"/> was dropped; the next one covers what it would have.</summary>
public sealed record CheckpointFailed(DateTimeOffset At, long Epoch, Exception Error) : PipelineEvent(At);

/// <summary>A source subtask reached the end of its input.</summary>
public sealed record SourceFinished(DateTimeOffset At, string Operator, int Subtask) : PipelineEvent(At);

/// <summary>A subtask failed; the run ends with that failure.</summary>
public sealed record SubtaskFailed(DateTimeOffset At, string Operator, int Subtask, Exception Error) : PipelineEvent(At);
