namespace Arroyo.Execution;

/// <summary>
/// A checkpoint barrier. Barriers flow with the data: an operator snapshots epoch
/// <see cref="Epoch"/> once every input has delivered it (aligned checkpoints).
/// <see cref="ThenStop"/>: after this checkpoint the pipeline stops (Ctrl-C, or end of input).
/// </summary>
public sealed record CheckpointBarrier(long Epoch, bool ThenStop);
