using System.Runtime.InteropServices;
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
/// <para>
/// A source subtask turns on <see cref="Holding"/>: data and watermarks then wait here until
/// <see cref="Flush"/>, which hands each queue its messages under one lock and with one
/// wake-up. A source sends a batch and a watermark per poll, and a receiver faster than the
/// source sleeps between them, so without this every message cost a wake-up (two context
/// switches). Barriers and ends of data are never held: they flush what is held, in order.
/// </para>
/// </summary>
internal sealed class EdgeOutput : IOutput
{
    private readonly OutgoingEdge[] _edges;
    private ulong[] _hashes = new ulong[1024];
    private Watermark? _lastWatermark;
    private readonly List<(BatchQueue? Queue, StreamMessage Message)> _held = [];
    private readonly List<StreamMessage> _run = [];

    public EdgeOutput(OutgoingEdge[] edges)
    {
        _edges = edges;
    }

    /// <summary>Keep data and watermarks until <see cref="Flush"/> (source subtasks, which flush after each run of polls).</summary>
    public bool Holding { get; set; }

    /// <summary>Messages waiting for <see cref="Flush"/>.</summary>
    public int HeldCount => _held.Count;

    /// <summary>Sends every held message: per queue in the order they were emitted, one <see cref="BatchQueue.AddRange"/> each.</summary>
    public void Flush()
    {
        var held = CollectionsMarshal.AsSpan(_held);
        for (var i = 0; i < held.Length; i++)
        {
            var queue = held[i].Queue;
            if (queue is null) continue;
            _run.Clear();
            for (var j = i; j < held.Length; j++)
            {
                if (!ReferenceEquals(held[j].Queue, queue)) continue;
                _run.Add(held[j].Message);
                held[j] = default;
            }
            queue.AddRange(CollectionsMarshal.AsSpan(_run));
        }
        _held.Clear();
        _run.Clear();
    }

    private void Send(BatchQueue queue, StreamMessage message)
    {
        if (Holding) _held.Add((queue, message));
        else queue.Add(message);
    }

    public void Emit(Batch batch)
    {
        if (batch.RowCount == 0) return;
        foreach (var edge in _edges)
        {
            switch (edge.Kind)
            {
                case EdgeKind.Forward:
                    Send(edge.Targets[edge.ForwardTarget], StreamMessage.Data(edge.SenderIndex[edge.ForwardTarget], batch));
                    break;
                case EdgeKind.Broadcast:
                    for (var t = 0; t < edge.Targets.Length; t++) Send(edge.Targets[t], StreamMessage.Data(edge.SenderIndex[t], batch));
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

    public void EmitBarrier(CheckpointBarrier barrier)
    {
        Broadcast(sender => StreamMessage.ForBarrier(sender, barrier));
        Flush();
    }

    public void EmitEnd()
    {
        Broadcast(StreamMessage.End);
        Flush();
    }

    private void Broadcast(Func<int, StreamMessage> create)
    {
        foreach (var edge in _edges)
        {
            if (edge.Kind == EdgeKind.Forward)
            {
                Send(edge.Targets[edge.ForwardTarget], create(edge.SenderIndex[edge.ForwardTarget]));
                continue;
            }
            for (var t = 0; t < edge.Targets.Length; t++) Send(edge.Targets[t], create(edge.SenderIndex[t]));
        }
    }

    private void Shuffle(OutgoingEdge edge, Batch batch)
    {
        var parallelism = edge.Targets.Length;
        if (parallelism == 1)
        {
            Send(edge.Targets[0], StreamMessage.Data(edge.SenderIndex[0], batch));
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
            Send(edge.Targets[t], StreamMessage.Data(edge.SenderIndex[t], part));
        }
    }
}
