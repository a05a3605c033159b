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
/// When the source in front says which split each batch came from (<see cref="SourceSplits"/>,
/// e.g. Kafka partitions), the maximum is kept per split and the watermark is the minimum over
/// the splits that are not idle (a split the source announced as having data to come counts
/// from then on, before its first row): a partition that lags does not see its rows become late
/// because another raced ahead, and a split without data for the idle timeout stops holding
/// the others back. The watermark never goes backwards (a split seen for the first time may
/// start behind it; its earlier rows are then late, as rows of a new source would be).
/// </summary>
public sealed class WatermarkOperator : IOperator
{
    private const string StateTable = "watermark";

    private readonly WatermarkSpec _spec;
    private readonly CompiledExpr? _expression;
    /// <summary>The split batches from a source that does not split are counted under.</summary>
    private const int WholeSource = -1;

    private readonly Dictionary<int, SplitProgress> _splits = [];
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

    // Keeps the maximum event time per split, never the batch.
    public bool RetainsInput => false;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        output.Emit(batch);
        var now = Timestamps.Now();
        _lastDataAt = now;
        TakeExpectedSplits(now);
        var split = _context?.Splits.Current ?? WholeSource;
        if (!_splits.TryGetValue(split, out var progress)) _splits[split] = progress = new SplitProgress();
        progress.LastDataAt = now;
        progress.Idle = false;
        if (_expression is null)
        {
            _idle = false;
            return;
        }
        var column = _expression.Evaluate(batch);
        var values = (PrimitiveColumn<long>)column;
        var max = progress.Max;
        for (var i = 0; i < batch.RowCount; i++)
        {
            if (!values.IsNull(i) && values.Values[i] > max) max = values.Values[i];
        }
        progress.Max = max;
        Advance(output);
    }

    /// <summary>Splits the source announced before their data: each holds the watermark back from now on.</summary>
    private void TakeExpectedSplits(long now)
    {
        if (_context is null) return;
        foreach (var split in _context.Splits.TakeExpected())
        {
            if (!_splits.ContainsKey(split)) _splits[split] = new SplitProgress { LastDataAt = now };
        }
    }

    /// <summary>
    /// Emits the minimum over the active splits when it passed the last watermark (or the
    /// subtask was idle until now). When every split has gone idle none holds the others back:
    /// the watermark moves to the highest any split reached, as it would for a source read as one.
    /// </summary>
    private void Advance(IOutput output)
    {
        if (_splits.Count == 0) return;
        long low = long.MaxValue, high = long.MinValue;
        var anyActive = false;
        foreach (var progress in _splits.Values)
        {
            high = Math.Max(high, progress.Max);
            if (progress.Idle) continue;
            anyActive = true;
            low = Math.Min(low, progress.Max);
        }
        var target = anyActive ? low : high;
        if (target > _maxWatermark || _idle)
        {
            _maxWatermark = Math.Max(_maxWatermark, target);
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
        TakeExpectedSplits(nowNanos);
        if (_spec.IdleTimeout is { } idle && !_idle)
        {
            // Splits that went quiet stop holding back those still sending (or, all quiet, the highest).
            if (_expression is not null && MarkIdleSplits(nowNanos - Nanoseconds.From(idle))) Advance(output);
            if (nowNanos - _lastDataAt >= Nanoseconds.From(idle))
            {
                _idle = true;
                foreach (var progress in _splits.Values) progress.Idle = true;
                output.EmitWatermark(Watermark.Idle);
                return;
            }
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

    /// <summary>Marks idle every split whose last data came before <paramref name="quietSince"/>; true when one was.</summary>
    private bool MarkIdleSplits(long quietSince)
    {
        var changed = false;
        foreach (var progress in _splits.Values)
        {
            if (progress.Idle || progress.LastDataAt > quietSince) continue;
            progress.Idle = true;
            changed = true;
        }
        return changed;
    }

    private sealed class SplitProgress
    {
        public long Max = long.MinValue;
        public long LastDataAt;
        public bool Idle;
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
