using Arroyo.Core.Columns;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Windows;

namespace Arroyo.Operators.WindowFunction;

/// <summary>
/// lag(x, k, default) (<paramref name="shift"/> = k) and lead(x, k, default) (shift = −k): the value
/// |k| rows before / after in the partition (the frame plays no part), else the default (NULL
/// without one). With IGNORE NULLS only rows whose value is not NULL are counted.
/// </summary>
internal sealed class ShiftEvaluator(WindowCall call, long shift) : WindowCallEvaluator
{
    public override Column Evaluate(SortedRows rows)
    {
        var value = rows.Batch.Columns[call.Args[0]];
        Column? fallback = call.Args.Count > 1 ? rows.Batch.Columns[call.Args[1]] : null;
        var output = ColumnBuilder.Create(call.ResultType, rows.Count);
        foreach (var (start, end) in rows.Partitions())
        {
            if (call.IgnoreNulls) IgnoringNulls(value, fallback, start, end, output);
            else
            {
                for (var i = start; i < end; i++)
                {
                    var target = i - shift;
                    if (target >= start && target < end) output.AppendFrom(value, (int)target);
                    else AppendDefault(output, fallback, i);
                }
            }
        }
        return output.Build();
    }

    private void IgnoringNulls(Column value, Column? fallback, int start, int end, ColumnBuilder output)
    {
        var valid = new List<int>();
        for (var i = start; i < end; i++) if (value.IsValid(i)) valid.Add(i);
        var before = 0; // valid rows before row i
        for (var i = start; i < end; i++)
        {
            // lag k: the k-th valid row before i; lead k (shift −k): the k-th valid row after i.
            long position = shift > 0 ? before - shift : before + (value.IsValid(i) ? 1 : 0) - shift - 1;
            if (shift == 0) output.AppendFrom(value, i);
            else if (position >= 0 && position < valid.Count) output.AppendFrom(value, valid[(int)position]);
            else AppendDefault(output, fallback, i);
            if (value.IsValid(i)) before++;
        }
    }

    /// <summary>The default's value at <paramref name="row"/> (a constant column), NULL without a default.</summary>
    private static void AppendDefault(ColumnBuilder output, Column? fallback, int row)
    {
        if (fallback is null) output.AppendNull();
        else output.AppendFrom(fallback, row);
    }
}

/// <summary>
/// first_value, last_value and nth_value(x, n) over the row's frame: the frame's first, last or
/// n-th row (n &lt; 0 counts from the frame's end, n = 0 is NULL, as DataFusion), NULL when the
/// frame is empty or too short. With IGNORE NULLS rows whose value is NULL are skipped.
/// </summary>
internal sealed class NthValueEvaluator(WindowCall call, WindowFunctionKind kind) : WindowCallEvaluator
{
    public override Column Evaluate(SortedRows rows)
    {
        var value = rows.Batch.Columns[call.Args[0]];
        var output = ColumnBuilder.Create(call.ResultType, rows.Count);
        var n = kind switch
        {
            WindowFunctionKind.FirstValue => 1,
            WindowFunctionKind.LastValue => -1,
            _ => call.Parameter,
        };
        var picked = new List<int>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (start, end) = rows.Frame(call.Frame, i);
            var index = Pick(value, start, end, n, picked);
            if (index < 0) output.AppendNull();
            else output.AppendFrom(value, index);
        }
        return output.Build();
    }

    /// <summary>The row holding the n-th value of [start, end), or −1.</summary>
    private int Pick(Column value, int start, int end, long n, List<int> scratch)
    {
        if (n == 0 || start >= end) return -1;
        if (!call.IgnoreNulls)
        {
            var size = end - start;
            if (Math.Abs(n) > size) return -1;
            return n > 0 ? start + (int)n - 1 : end + (int)n;
        }
        scratch.Clear();
        for (var r = start; r < end; r++) if (value.IsValid(r)) scratch.Add(r);
        if (Math.Abs(n) > scratch.Count) return -1;
        return n > 0 ? scratch[(int)n - 1] : scratch[scratch.Count + (int)n];
    }
}
