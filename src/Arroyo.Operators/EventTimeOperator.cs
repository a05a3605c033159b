using Arroyo.Core;
using Arroyo.Execution;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators;

/// <summary>
/// The shared shape of the operators that hold rows until event time passes them (windows,
/// sessions, windowed joins, window functions): track the highest watermark, emit what it
/// has made complete, then pass the watermark on; at the end of input everything is
/// complete. Subclasses say what "complete" means in <see cref="EmitReady"/>.
/// </summary>
public abstract class EventTimeOperator : IOperator
{
    /// <summary>The highest watermark seen: <see cref="long.MinValue"/> before the first, <see cref="long.MaxValue"/> once input has ended.</summary>
    protected long CurrentWatermark { get; private set; } = long.MinValue;

    public abstract void Open(OperatorContext context);

    public abstract void OnBatch(Batch batch, int input, IOutput output);

    public abstract void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output);

    /// <summary><see cref="IOperator.RetainsInput"/>: true (these operators hold rows) unless a subclass copies what it keeps.</summary>
    public virtual bool RetainsInput => true;

    /// <summary><see cref="IOperator.EmitsInputArrays"/>: true unless a subclass emits only copies.</summary>
    public virtual bool EmitsInputArrays => true;

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle)
        {
            CurrentWatermark = Math.Max(CurrentWatermark, watermark.Time);
            EmitReady(output);
        }
        output.EmitWatermark(watermark);
    }

    public void OnEnd(IOutput output)
    {
        CurrentWatermark = long.MaxValue;
        EmitReady(output);
    }

    /// <summary>Emits (and forgets) whatever <see cref="CurrentWatermark"/> has made complete.</summary>
    protected abstract void EmitReady(IOutput output);
}
