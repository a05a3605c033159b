using Arroyo.Expressions;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.TumblingAggregate;

/// <summary>
/// Runs a <see cref="TumblingAggregateSpec"/>: a windowed aggregator whose slide equals its
/// width, or, when there is no aggregate call (GROUP BY only), the distinct rows of each window.
/// </summary>
public sealed class TumblingAggregateOperator : IOperator
{
    private readonly IOperator _inner;

    public TumblingAggregateOperator(TumblingAggregateSpec spec, FunctionLibrary functions)
    {
        _inner = spec.Aggregates.Count == 0 && spec.KeyColumns.Count > 0
            ? new TumblingDistinct(spec.Input, spec.KeyColumns, spec.WidthNanos, spec.WindowOutputIndex, spec.Output)
            : new WindowedAggregator(spec.Input, spec.KeyColumns, spec.Aggregates, spec.WidthNanos, spec.WidthNanos, spec.WindowOutputIndex, spec.Output, functions.Aggregates);
    }

    /// <summary>The aggregator chosen for the spec (for tests).</summary>
    internal IOperator Inner => _inner;

    public void Open(OperatorContext context) => _inner.Open(context);

    public void OnBatch(Batch batch, int input, IOutput output) => _inner.OnBatch(batch, input, output);

    public void OnWatermark(Watermark watermark, IOutput output) => _inner.OnWatermark(watermark, output);

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => _inner.OnCheckpoint(barrier, state, output);

    public void OnEnd(IOutput output) => _inner.OnEnd(output);
}
