using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions;
using Arroyo.Expressions.Windows;

namespace Arroyo.Operators.WindowFunction;

/// <summary>Computes one <see cref="WindowCall"/>'s column over the sorted rows of a closed timestamp.</summary>
internal abstract class WindowCallEvaluator
{
    /// <summary>One value per row of <paramref name="rows"/>, in their (sorted) order, of the call's result type.</summary>
    public abstract Column Evaluate(SortedRows rows);

    public static WindowCallEvaluator Create(WindowCall call, FunctionLibrary functions)
    {
        if (call.IsAggregate) return new FrameAggregateEvaluator(call, functions.Aggregates);
        return functions.Windows.Kind(call.Function) switch
        {
            WindowFunctionKind.Positional => new PositionalEvaluator(functions.Windows.Resolve(call.Function)),
            WindowFunctionKind.PercentRank => new DistributionEvaluator(percentRank: true),
            WindowFunctionKind.CumeDist => new DistributionEvaluator(percentRank: false),
            WindowFunctionKind.Ntile => new NtileEvaluator(call.Parameter),
            WindowFunctionKind.Lag => new ShiftEvaluator(call, call.Parameter),
            WindowFunctionKind.Lead => new ShiftEvaluator(call, -call.Parameter),
            var kind => new NthValueEvaluator(call, kind),
        };
    }
}

/// <summary>row_number, rank, dense_rank (and other functions of the row's position).</summary>
internal sealed class PositionalEvaluator(Arroyo.Expressions.Windows.WindowFunction function) : WindowCallEvaluator
{
    public override Column Evaluate(SortedRows rows)
    {
        var values = new ulong[rows.Count];
        ulong denseRank = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var ps = rows.PartitionStart[i];
            if (i == ps) denseRank = 0;
            if (i == rows.PeerStart[i]) denseRank++;
            values[i] = function.Evaluate(new RowPosition((ulong)(i - ps + 1), (ulong)(rows.PeerStart[i] - ps + 1), denseRank));
        }
        return new PrimitiveColumn<ulong>(DataType.UInt64, values);
    }
}

/// <summary>
/// percent_rank: (rank − 1) / (partition rows − 1), 0 for a single row; cume_dist: rows up to and
/// including the row's last peer / partition rows. Both DOUBLE, never NULL.
/// </summary>
internal sealed class DistributionEvaluator(bool percentRank) : WindowCallEvaluator
{
    public override Column Evaluate(SortedRows rows)
    {
        var values = new double[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var ps = rows.PartitionStart[i];
            var size = rows.PartitionEnd[i] - ps;
            values[i] = percentRank
                ? size == 1 ? 0.0 : (double)(rows.PeerStart[i] - ps) / (size - 1)
                : (double)(rows.PeerEnd[i] - ps) / size;
        }
        return new PrimitiveColumn<double>(DataType.Float64, values);
    }
}

/// <summary>
/// ntile(n) as DataFusion computes it: with m rows and b = min(n, m) buckets, row i (0-based) is in
/// bucket i·b / m + 1 (integer division). Where m is not a multiple of b this can place the larger
/// buckets differently from the SQL standard's "first buckets get one more row".
/// </summary>
internal sealed class NtileEvaluator(long buckets) : WindowCallEvaluator
{
    public override Column Evaluate(SortedRows rows)
    {
        var values = new ulong[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var ps = rows.PartitionStart[i];
            var size = (ulong)(rows.PartitionEnd[i] - ps);
            var b = Math.Min((ulong)buckets, size);
            values[i] = (ulong)(i - ps) * b / size + 1;
        }
        return new PrimitiveColumn<ulong>(DataType.UInt64, values);
    }
}
