using Arroyo.Core.Partitioning;
using Arroyo.Core;
using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Runtime.Execution;

/// <summary>One outgoing edge of a subtask: the target subtasks' queues and how rows are routed.</summary>
internal sealed class OutgoingEdge
{
    public required EdgeKind Kind { get; init; }

    public required int[] KeyColumns { get; init; }

    /// <summary>Queue of each target subtask, by target subtask index.</summary>
    public required BatchQueue[] Targets { get; init; }

    /// <summary>This subtask's sender index at each target subtask.</summary>
    public required int[] SenderIndex { get; init; }

    /// <summary>For forward edges: the single target subtask index.</summary>
    public int ForwardTarget { get; init; }
}

/// <summary>
/// The end of a subtask's operator chain: sends batches and signals along every outgoing
/// edge. Shuffles partition each batch by key-hash range.
/// </summary>
internal sealed class EdgeOutput : IOutput
{
    private readonly OutgoingEdge[] _edges;
    private ulong[] _hashes = new ulong[1024];
    private Watermark? _lastWatermark;

    public EdgeOutput(OutgoingEdge[] edges)
    {
        _edges = edges;
    }

    public void Emit(Batch batch)
    {
        if (batch.RowCount == 0) return;
        foreach (var edge in _edges)
        {
            switch (edge.Kind)
            {
                case EdgeKind.Forward:
                    edge.Targets[edge.ForwardTarget].Add(StreamMessage.Data(edge.SenderIndex[edge.ForwardTarget], batch));
                    break;
                case EdgeKind.Broadcast:
                    for (var t = 0; t < edge.Targets.Length; t++) edge.Targets[t].Add(StreamMessage.Data(edge.SenderIndex[t], batch));
                    break;
                case EdgeKind.Shuffle:
                    Shuffle(edge, batch);
                    break;
            }
        }
    }

    public void EmitWatermark(Watermark watermark)
    {
        // Watermarks only move forward; repeating one downstream is noise.
        if (_lastWatermark is { } last && last == watermark) return;
        _lastWatermark = watermark;
        Broadcast(sender => StreamMessage.ForWatermark(sender, watermark));
    }

    public void EmitBarrier(CheckpointBarrier barrier) => Broadcast(sender => StreamMessage.ForBarrier(sender, barrier));

    public void EmitEnd() => Broadcast(StreamMessage.End);

    private void Broadcast(Func<int, StreamMessage> create)
    {
        foreach (var edge in _edges)
        {
            if (edge.Kind == EdgeKind.Forward)
            {
                edge.Targets[edge.ForwardTarget].Add(create(edge.SenderIndex[edge.ForwardTarget]));
                continue;
            }
            for (var t = 0; t < edge.Targets.Length; t++) edge.Targets[t].Add(create(edge.SenderIndex[t]));
        }
    }

    private void Shuffle(OutgoingEdge edge, Batch batch)
    {
        var parallelism = edge.Targets.Length;
        if (parallelism == 1)
        {
            edge.Targets[0].Add(StreamMessage.Data(edge.SenderIndex[0], batch));
            return;
        }
        if (_hashes.Length < batch.RowCount) _hashes = new ulong[Math.Max(batch.RowCount, _hashes.Length * 2)];
        KeyHasher.HashRows(batch, edge.KeyColumns, _hashes);
        var counts = new int[parallelism];
        var owners = new int[batch.RowCount];
        for (var i = 0; i < batch.RowCount; i++)
        {
            var owner = KeyRange.SubtaskFor(_hashes[i], parallelism);
            owners[i] = owner;
            counts[owner]++;
        }
        for (var t = 0; t < parallelism; t++)
        {
            if (counts[t] == 0) continue;
            Batch part;
            if (counts[t] == batch.RowCount)
            {
                part = batch;
            }
            else
            {
                var indices = new int[counts[t]];
                var k = 0;
                for (var i = 0; i < owners.Length; i++)
                {
                    if (owners[i] == t) indices[k++] = i;
                }
                part = batch.Take(indices);
            }
            edge.Targets[t].Add(StreamMessage.Data(edge.SenderIndex[t], part));
        }
    }
}
