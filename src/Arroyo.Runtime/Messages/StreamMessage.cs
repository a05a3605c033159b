using Arroyo.Core;
using Arroyo.Execution;

namespace Arroyo.Runtime.Messages;

public enum MessageKind : byte
{
    Data,
    Watermark,
    Barrier,
    /// <summary>The sender will send nothing more (its sources reached the end of input).</summary>
    EndOfData,
}

/// <summary>One item on a queue between subtasks, in stream order.</summary>
public readonly record struct StreamMessage(MessageKind Kind, int Sender, Batch? Batch, Watermark Watermark, CheckpointBarrier? Barrier)
{
    public static StreamMessage Data(int sender, Batch batch) => new(MessageKind.Data, sender, batch, default, null);

    public static StreamMessage ForWatermark(int sender, Watermark watermark) => new(MessageKind.Watermark, sender, null, watermark, null);

    public static StreamMessage ForBarrier(int sender, CheckpointBarrier barrier) => new(MessageKind.Barrier, sender, null, default, barrier);

    public static StreamMessage End(int sender) => new(MessageKind.EndOfData, sender, null, default, null);
}
