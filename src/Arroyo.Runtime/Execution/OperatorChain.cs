using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Runtime.Messages;
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

    public OperatorChain(IReadOnlyList<(IOperator Operator, OperatorContext Context)> members, EdgeOutput tail)
    {
        _operators = members.Select(m => m.Operator).ToArray();
        Contexts = members.Select(m => m.Context).ToArray();
        Tail = tail;
        _outputs = new IOutput[_operators.Length];
        for (var i = _operators.Length - 1; i >= 0; i--)
        {
            _outputs[i] = i == _operators.Length - 1 ? tail : new ChainLink(_operators[i + 1], _outputs[i + 1]);
        }
    }

    public OperatorContext[] Contexts { get; }

    public EdgeOutput Tail { get; }

    /// <summary>Where the chain's head (or a source in front of it) sends its output.</summary>
    public IOutput Input => _operators.Length == 0 ? Tail : new ChainLink(_operators[0], _outputs[0]);

    public void Open()
    {
        for (var i = 0; i < _operators.Length; i++) _operators[i].Open(Contexts[i]);
    }

    public void OnBatch(Batch batch, int input) => _operators[0].OnBatch(batch, input, _outputs[0]);

    public void OnWatermark(Watermark watermark)
    {
        if (_operators.Length == 0) Tail.EmitWatermark(watermark);
        else _operators[0].OnWatermark(watermark, _outputs[0]);
    }

    /// <summary>Snapshots every operator in chain order (so output an operator emits while snapshotting reaches the next one first).</summary>
    public void OnCheckpoint(CheckpointBarrier barrier, Func<int, IStateWriter> writerFor)
    {
        for (var i = 0; i < _operators.Length; i++)
        {
            _operators[i].OnCheckpoint(barrier, writerFor(Contexts[i].NodeId), _outputs[i]);
        }
    }

    public void OnCommit(long epoch)
    {
        foreach (var op in _operators) op.OnCommit(epoch);
    }

    public void OnTick(long now)
    {
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnTick(now, _outputs[i]);
    }

    public void OnEnd()
    {
        for (var i = 0; i < _operators.Length; i++) _operators[i].OnEnd(_outputs[i]);
    }

    public void Close()
    {
        foreach (var op in _operators) op.Close();
    }

    private sealed class ChainLink(IOperator next, IOutput nextOutput) : IOutput
    {
        // Logical input 0: chained operators have a single input.
        public void Emit(Batch batch)
        {
            if (batch.RowCount > 0) next.OnBatch(batch, 0, nextOutput);
        }

        public void EmitWatermark(Watermark watermark) => next.OnWatermark(watermark, nextOutput);
    }
}
