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
    // Shuffle scratch (see RowsByTarget): each row's target, row indices grouped by target, where each target's run starts.
    private int[] _owners = new int[1024];
    private int[] _rowsByTarget = new int[1024];
    private int[] _starts = new int[3];
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
        var rows = batch.RowCount;
        if (_hashes.Length < rows) _hashes = new ulong[Math.Max(rows, _hashes.Length * 2)];
        KeyHasher.HashRows(batch, edge.KeyColumns, _hashes);
        var starts = RowsByTarget(_hashes.AsSpan(0, rows), parallelism);
        for (var t = 0; t < parallelism; t++)
        {
            var count = starts[t + 1] - starts[t];
            if (count == 0) continue;
            // Each target gets a batch of its own rows only: every row is copied once in all.
            var part = count == rows ? batch : batch.Take(_rowsByTarget.AsSpan(starts[t], count));
            Send(edge.Targets[t], StreamMessage.Data(edge.SenderIndex[t], part));
        }
    }

    /// <summary>
    /// Groups the row indices by target subtask in one counting sort (rows keep their order within
    /// a target): target t's rows are <c>_rowsByTarget[starts[t]..starts[t + 1]]</c>. The scratch
    /// arrays are this edge output's own and only read by <see cref="Batch.Take"/> during the call.
    /// </summary>
    private ReadOnlySpan<int> RowsByTarget(ReadOnlySpan<ulong> hashes, int parallelism)
    {
        var rows = hashes.Length;
        if (_owners.Length < rows)
        {
            _owners = new int[Math.Max(rows, _owners.Length * 2)];
            _rowsByTarget = new int[_owners.Length];
        }
        if (_starts.Length < parallelism + 1) _starts = new int[parallelism + 1];
        var starts = _starts.AsSpan(0, parallelism + 1);
        starts.Clear();
        var owners = _owners.AsSpan(0, rows);
        for (var i = 0; i < rows; i++)
        {
            var owner = KeyRange.SubtaskFor(hashes[i], parallelism);
            owners[i] = owner;
            starts[owner + 1]++;
        }
        for (var t = 0; t < parallelism; t++) starts[t + 1] += starts[t];
        // next[t]: where target t's next row index goes.
        Span<int> next = parallelism <= 64 ? stackalloc int[parallelism] : new int[parallelism];
        starts[..parallelism].CopyTo(next);
        for (var i = 0; i < rows; i++) _rowsByTarget[next[owners[i]]++] = i;
        return starts;
    }
}
