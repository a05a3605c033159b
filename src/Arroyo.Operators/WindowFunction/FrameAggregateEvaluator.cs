using Arroyo.Core.Columns;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Operators.WindowFunction;

/// <summary>
/// An aggregate with OVER: for each row, the aggregate of the rows of its frame. Frames that start
/// at UNBOUNDED PRECEDING only grow, so each partition's rows are added once, in order, and the
/// running result read per row (the default frame, whole partitions, running totals). Other
/// frames are aggregated afresh per row: O(rows × frame size), fine for the bounded
/// <c>n PRECEDING … m FOLLOWING</c> frames they are meant for.
/// </summary>
internal sealed class FrameAggregateEvaluator : WindowCallEvaluator
{
    private readonly WindowCall _call;
    private readonly GroupAccumulator _accumulator;

    public FrameAggregateEvaluator(WindowCall call, AggregateRegistry aggregates)
    {
        _call = call;
        _accumulator = aggregates.CreateAccumulator(new AccumulatorRequest(call.Function, Distinct: false, [], Retracting: false, UpdatingAggregate: false));
        _accumulator.EnsureCapacity(1);
    }

    public override Column Evaluate(SortedRows rows)
    {
        var args = _call.Args.Select(a => rows.Batch.Columns[a]).ToArray();
        var output = ColumnBuilder.Create(_call.ResultType, rows.Count);
        var growing = _call.Frame.Start.Kind == WindowFrameBoundKind.UnboundedPreceding;
        foreach (var (start, end) in rows.Partitions())
        {
            _accumulator.Clear(0);
            var added = start;
            for (var i = start; i < end; i++)
            {
                var (from, to) = rows.Frame(_call.Frame, i);
                if (growing)
                {
                    // The frame's end never moves back, so only the rows not yet added go in.
                    Add(args, added, Math.Max(added, to));
                    added = Math.Max(added, to);
                }
                else
                {
                    _accumulator.Clear(0);
                    Add(args, from, to);
                }
                _accumulator.Evaluate(0, output);
            }
        }
        return output.Build();
    }

    private void Add(Column[] args, int from, int to)
    {
        if (to <= from) return;
        var slices = args.Select(a => a.Slice(from, to - from)).ToArray();
        _accumulator.Update(slices, new int[to - from], ReadOnlySpan<bool>.Empty);
    }
}
