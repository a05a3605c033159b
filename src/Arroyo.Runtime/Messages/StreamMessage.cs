using Arroyo.Core;

namespace Arroyo.Runtime.Messages;

public enum MessageKind : byte
{
    Data,
    Watermark,
    Barrier,
    /// <summary>The sender will send nothing more (its sources reached the end of input).</summary>
    EndOfData,
}

/// <summary>
/// A checkpoint barrier. Barriers flow with the data: an operator snapshots epoch
/// <see cref="Epoch"/> once every input has delivered it (aligned checkpoints).
/// <see cref="ThenStop"/>: after this checkpoint the pipeline stops (Ctrl-C, or end of input).
/// </summary>
public sealed record CheckpointBarrier(long Epoch, bool ThenStop);

/// <summary>
/// Event-time progress: no later row will have a timestamp below <see cref="Time"/>
/// (nanoseconds). An idle watermark says the sender has no data for now and must not hold
/// back the minimum over inputs.
/// </summary>
public readonly record struct Watermark(long Time, bool IsIdle)
{
    public static readonly Watermark Idle = new(long.MinValue, true);
    public static readonly Watermark Max = new(long.MaxValue, false);

    public static Watermark At(long time) => new(time, false);
}

/// <summary>One item on a queue between subtasks, in stream order.</summary>
public readonly record struct StreamMessage(MessageKind Kind, int Sender, Batch? Batch, Watermark Watermark, CheckpointBarrier? Barrier)
{
    public static StreamMessage Data(int sender, Batch batch) => new(MessageKind.Data, sender, batch, default, null);

    public static StreamMessage ForWatermark(int sender, Watermark watermark) => new(MessageKind.Watermark, sender, null, watermark, null);

    public static StreamMessage ForBarrier(int sender, CheckpointBarrier barrier) => new(MessageKind.Barrier, sender, null, default, barrier);

    public static StreamMessage End(int sender) => new(MessageKind.EndOfData, sender, null, default, null);
}
