using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.State;

namespace Arroyo.Runtime.Execution;

/// <summary>
/// Operators joined by forward edges of equal parallelism, run as direct calls in one
/// subtask: operator k's output is operator k+1's input, and the last one's output is the
/// <see cref="EdgeOutput"/>. Saves a queue hop and a thread switch per batch.
/// </summary>
internal sealed class OperatorChain
{
    private readonly IOperator[] _operators;
    private readonly IOutput[] _outputs;
    private readonly SubtaskMetrics[] _metrics;

    // The chain's operators share one lifecycle, so one checker covers them (debug builds only).
    private readonly OperatorCallOrder _order = new();

    /// <param name="sourceMetrics">The counters of the source in front of the chain, when there is one.</param>
    public OperatorChain(IReadOnlyList<(IOperator Operator, OperatorContext Context)> members, EdgeOutput tail, SubtaskMetrics? sourceMetrics = null)
    {
        _operators = members.Select(m => m.Operator).ToArray();
        Contexts = members.Select(m => m.Context).ToArray();
        _metrics = Contexts.Select(c => c.Metrics).ToArray();
        Tail = tail;
        _outputs = new IOutput[_operators.Length];
        for (var i = _operators.Length - 1; i >= 0; i--)
        {
            _outputs[i] = i == _operators.Length - 1
                ? new Link(_metrics[i], null, null, tail)
                : new Link(_metrics[i], _operators[i + 1], _metrics[i + 1], _outputs[i + 1]);
        }
        Input = _operators.Length == 0
            ? new Link(sourceMetrics, null, null, tail)
            : new Link(sourceMetrics, _operators[0], _metrics[0], _outputs[0]);
    }

    public OperatorContext[] Contexts { get; }

    public EdgeOutput Tail { get; }

    /// <summary>Where the chain's head (or a source in front of it) sends its output.</summary>
    public IOutput Input { get; }

    public void Open()
    {
        _order.Check(OperatorHook.Open);
        for (var i = 0; i < _operators.Length; i++) _operators[i].Open(Contexts[i]);
    }

    public void OnBatch(Batch batch, int input)
    {
        _order.Check(OperatorHook.Batch);
        _metrics[0].Received(batch);
        _operators[0].OnBatch(batch, input, _outputs[0]);
    }

    public void OnWatermark(Watermark watermark)
    {
        _order.Check(OperatorHook.Watermark);
        if (_operators.Length == 0) Tail.EmitWatermark(watermark);
        else _operators[0].OnWatermark(watermark, _outputs[0]);
    }

    /// <summary>
    /// Snapshots and pre-commits every operator in chain order (so output an operator emits while
    /// snapshotting reaches the next one first); <paramref name="preCommitted"/> gets each
    /// operator's pre-commit data with its node id.
    /// </summary>
    public void OnCheckpoint(CheckpointBarrier barrier, Func<int, IStateWriter> writerFor, Action<int, byte[]> preCommitted)
    {
        _order.Check(OperatorHook.Checkpoint);
        for (var i = 0; i < _operators.Length; i++)
        {
            _operators[i].OnCheckpoint(barrier, writerFor(Contexts[i].NodeId), _outputs[i]);
            if (_operators[i].PreCommit(barrier) is { } data) preCommitted(Contexts[i].NodeId, data);
        }
    }

    public void OnCommit(long epoch, Func<int, CommitData> dataFor)
    {
        _order.Check(OperatorHook.Commit);
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnCommit(epoch, dataFor(Contexts[i].NodeId));
    }

    public void OnTick(long now)
    {
        _order.Check(OperatorHook.Tick);
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnTick(now, _outputs[i]);
    }

    public void OnInputDrained()
    {
        _order.Check(OperatorHook.InputDrained);
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnInputDrained(_outputs[i]);
    }

    public void OnEnd()
    {
        _order.Check(OperatorHook.End);
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnEnd(_outputs[i]);
    }

    public void Close()
    {
        _order.Check(OperatorHook.Close);
        foreach (var op in _operators) op.Close();
    }

    /// <summary>
    /// What one member emits: counted as sent by it and received by the next member, then
    /// handed to the next member (or, at the end of the chain, to the outgoing edges).
    /// </summary>
    private sealed class Link(SubtaskMetrics? from, IOperator? next, SubtaskMetrics? nextMetrics, IOutput nextOutput) : IOutput
    {
        // Logical input 0: chained operators have a single input.
        public void Emit(Batch batch)
        {
            if (batch.RowCount == 0) return;
            // One size estimate per hop: it counts as sent by this member and received by the next.
            var bytes = batch.EstimatedBytes;
            from?.Sent(batch.RowCount, bytes);
            if (next is null)
            {
                nextOutput.Emit(batch);
                return;
            }
            nextMetrics!.Received(batch.RowCount, bytes);
            next.OnBatch(batch, 0, nextOutput);
        }

        public void EmitWatermark(Watermark watermark)
        {
            from?.WatermarkEmitted(watermark);
            if (next is null) nextOutput.EmitWatermark(watermark);
            else next.OnWatermark(watermark, nextOutput);
        }
    }
}
