using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// The running counters of one subtask of one dataflow node. Written by the subtask's own
/// thread once per batch (never per row), read at any time by any thread (metrics exporters,
/// the host's status). Names follow the reference's worker metrics
/// (<c>arroyo_worker_messages_recv</c>, …: messages are rows).
/// </summary>
public sealed class SubtaskMetrics
{
    private long _messagesReceived;
    private long _bytesReceived;
    private long _batchesReceived;
    private long _messagesSent;
    private long _bytesSent;
    private long _batchesSent;
    private long _deserializationErrors;
    private long _watermark = long.MinValue;
    private long _stateBytes;

    public SubtaskMetrics(int nodeId, string operatorName, int subtaskIndex, int parallelism)
    {
        NodeId = nodeId;
        OperatorName = operatorName;
        SubtaskIndex = subtaskIndex;
        Parallelism = parallelism;
    }

    public int NodeId { get; }

    public string OperatorName { get; }

    public int SubtaskIndex { get; }

    public int Parallelism { get; }

    public long MessagesReceived => Volatile.Read(ref _messagesReceived);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long BatchesReceived => Volatile.Read(ref _batchesReceived);

    public long MessagesSent => Volatile.Read(ref _messagesSent);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BatchesSent => Volatile.Read(ref _batchesSent);

    /// <summary>Records a source could not decode (dropped under <c>bad_data = 'drop'</c>).</summary>
    public long DeserializationErrors => Volatile.Read(ref _deserializationErrors);

    /// <summary>The last watermark this subtask emitted, in nanoseconds; null before the first.</summary>
    public long? Watermark => Volatile.Read(ref _watermark) is var w && w == long.MinValue ? null : w;

    /// <summary>Bytes of this subtask's state in the last completed checkpoint.</summary>
    public long StateBytes => Volatile.Read(ref _stateBytes);

    /// <summary>Batches and signals waiting in this subtask's input queue (chain heads only; 0 otherwise).</summary>
    public int QueueDepth => QueueDepthProbe?.Invoke() ?? 0;

    /// <summary>Capacity of the input queue (0 when it has none).</summary>
    public int QueueCapacity { get; set; }

    /// <summary>Set by the runtime for subtasks that read a queue.</summary>
    public Func<int>? QueueDepthProbe { get; set; }

    // The writers below are called by the subtask's thread only; readers may be anywhere, so
    // every write is a single atomic store of the new total.

    public void Received(Batch batch) => Received(batch.RowCount, batch.EstimatedBytes);

    /// <summary>A batch of <paramref name="rows"/> arrived; <paramref name="bytes"/> is its <see cref="Batch.EstimatedBytes"/>, when the caller has it already.</summary>
    public void Received(int rows, long bytes)
    {
        Volatile.Write(ref _messagesReceived, _messagesReceived + rows);
        Volatile.Write(ref _bytesReceived, _bytesReceived + bytes);
        Volatile.Write(ref _batchesReceived, _batchesReceived + 1);
    }

    public void Sent(Batch batch) => Sent(batch.RowCount, batch.EstimatedBytes);

    public void Sent(int rows, long bytes)
    {
        Volatile.Write(ref _messagesSent, _messagesSent + rows);
        Volatile.Write(ref _bytesSent, _bytesSent + bytes);
        Volatile.Write(ref _batchesSent, _batchesSent + 1);
    }

    public void DeserializationError(long count = 1) => Volatile.Write(ref _deserializationErrors, _deserializationErrors + count);

    public void WatermarkEmitted(Watermark watermark)
    {
        if (!watermark.IsIdle) Volatile.Write(ref _watermark, watermark.Time);
    }

    public void Checkpointed(long stateBytes) => Volatile.Write(ref _stateBytes, stateBytes);
}
