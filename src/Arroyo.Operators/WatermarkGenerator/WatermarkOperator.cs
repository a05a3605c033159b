using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Operators.WatermarkGenerator;

/// <summary>
/// Turns event times into watermarks right after a source. With an expression, the
/// watermark is the maximum of that expression over the rows seen (so a source with
/// out-of-order data declares its lateness as <c>ts - INTERVAL …</c>); without one it trails
/// processing time. After <see cref="WatermarkSpec.IdleTimeout"/> without data it reports
/// idle. Upstream watermarks are ignored, except +∞ (end of input), which passes through.
/// </summary>
public sealed class WatermarkOperator : IOperator
{
    private const string StateTable = "watermark";

    private readonly WatermarkSpec _spec;
    private readonly CompiledExpr? _expression;
    private long _maxWatermark = long.MinValue;
    private long _lastDataAt;
    private bool _idle;
    private bool _ended;
    private OperatorContext? _context;

    public WatermarkOperator(WatermarkSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _expression = spec.Expression is null ? null : ExprCompiler.Compile(spec.Expression, functions.Scalar);
    }

    public void Open(OperatorContext context)
    {
        _context = context;
        _lastDataAt = Timestamps.Now();
        // After a restore (possibly at another parallelism) start from the lowest watermark
        // any subtask had reached: never later than what the replayed input justifies, and
        // never earlier than the windows downstream already closed.
        long? restored = null;
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var values = (PrimitiveColumn<long>)batch.Columns[1];
            for (var i = 0; i < batch.RowCount; i++) restored = Math.Min(restored ?? long.MaxValue, values.Values[i]);
        }
        if (restored is { } value) _maxWatermark = value;
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        output.Emit(batch);
        _lastDataAt = Timestamps.Now();
        if (_expression is null)
        {
            _idle = false;
            return;
        }
        var column = _expression.Evaluate(batch);
        var values = (PrimitiveColumn<long>)column;
        var max = _maxWatermark;
        for (var i = 0; i < batch.RowCount; i++)
        {
            if (!values.IsNull(i) && values.Values[i] > max) max = values.Values[i];
        }
        if (max > _maxWatermark || _idle)
        {
            _maxWatermark = max;
            _idle = false;
            output.EmitWatermark(Watermark.At(_maxWatermark));
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (watermark == Watermark.Max)
        {
            _ended = true;
            output.EmitWatermark(watermark);
        }
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_ended) return;
        if (_spec.IdleTimeout is { } idle && !_idle && nowNanos - _lastDataAt >= Nanoseconds.From(idle))
        {
            _idle = true;
            output.EmitWatermark(Watermark.Idle);
            return;
        }
        if (_expression is null)
        {
            var processing = nowNanos - Nanoseconds.From(WatermarkSpec.DefaultLag);
            if (processing > _maxWatermark)
            {
                _maxWatermark = processing;
                output.EmitWatermark(Watermark.At(processing));
            }
        }
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        var hash = new PrimitiveColumn<ulong>(Core.Types.DataType.UInt64, [(ulong)_context!.SubtaskIndex]);
        var value = new PrimitiveColumn<long>(Core.Types.DataType.Int64, [_maxWatermark]);
        var schema = new Core.Types.Schema([
            new Core.Types.Field(StateColumns.KeyHashColumn, Core.Types.DataType.UInt64, false),
            new Core.Types.Field("watermark", Core.Types.DataType.Int64, false)]);
        state.WriteTable(StateTable, new Batch(schema, [hash, value], 1));
    }
}
