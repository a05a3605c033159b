using Arroyo.Expressions;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.SlidingAggregate;

/// <summary>
/// Runs a <see cref="SlidingAggregateSpec"/>: two-phase (partials per slide-sized bin, combined
/// when a window closes) when every aggregate combines exactly, otherwise a windowed aggregator
/// putting each row into its width/slide windows.
/// </summary>
public sealed class SlidingAggregateOperator : IOperator
{
    private readonly IOperator _inner;

    public SlidingAggregateOperator(SlidingAggregateSpec spec, FunctionLibrary functions)
    {
        _inner = spec.Aggregates.All(c => PartialAggregateSpec.Merges(c, spec.Input))
            ? new BinnedSlidingAggregator(spec.Input, spec.KeyColumns, spec.Aggregates, spec.WidthNanos, spec.SlideNanos, spec.WindowOutputIndex, spec.Output, functions.Aggregates)
            : new WindowedAggregator(spec.Input, spec.KeyColumns, spec.Aggregates, spec.WidthNanos, spec.SlideNanos, spec.WindowOutputIndex, spec.Output, functions.Aggregates);
    }

    /// <summary>The aggregator chosen for the spec (for tests).</summary>
    internal IOperator Inner => _inner;

    public void Open(OperatorContext context) => _inner.Open(context);

    public void OnBatch(Batch batch, int input, IOutput output) => _inner.OnBatch(batch, input, output);

    public void OnWatermark(Watermark watermark, IOutput output) => _inner.OnWatermark(watermark, output);

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => _inner.OnCheckpoint(barrier, state, output);

    public void OnEnd(IOutput output) => _inner.OnEnd(output);
}
