using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// TIMESTAMP ± INTERVAL. Fixed intervals (no months) add nanoseconds in a tight loop;
/// month parts go through calendar arithmetic (end of month clamps, as chrono does).
/// </summary>
internal sealed class TimestampIntervalKernel(CompiledExpr left, CompiledExpr right, bool subtract) : CompiledExpr(DataType.Timestamp)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var ts = (PrimitiveColumn<long>)left.Evaluate(batch);
        var result = new long[n];
        if (right.IsConstant)
        {
            if (right.ConstantValue is null) return NullColumns.Of(Type, n);
            var iv = (IntervalValue)right.ConstantValue;
            if (subtract) iv = -iv;
            if (iv.IsFixed)
            {
                var delta = iv.TotalNanoseconds;
                var v = ts.Values;
                for (var i = 0; i < n; i++) result[i] = v[i] + delta;
            }
            else
            {
                for (var i = 0; i < n; i++) result[i] = Add(ts.Values[i], iv);
            }
            return new PrimitiveColumn<long>(Type, result, n, ts.Validity);
        }
        var ivs = (PrimitiveColumn<IntervalValue>)right.Evaluate(batch);
        for (var i = 0; i < n; i++) result[i] = Add(ts.Values[i], subtract ? -ivs.Values[i] : ivs.Values[i]);
        return new PrimitiveColumn<long>(Type, result, n, Bitmap.AndValidity(ts.Validity, ivs.Validity));
    }

    public static long Add(long nanos, IntervalValue iv)
    {
        if (iv.Months != 0)
        {
            var dt = Timestamps.ToDateTime(nanos).AddMonths(iv.Months);
            var sub = nanos - Timestamps.FloorDiv(nanos, 100) * 100;
            nanos = Timestamps.FromDateTime(dt) + sub;
        }
        return nanos + iv.Days * IntervalValue.NanosPerDay + iv.Nanoseconds;
    }
}

/// <summary>DATE ± INTERVAL → DATE (whole days; a time part is dropped).</summary>
internal sealed class DateIntervalKernel(CompiledExpr left, CompiledExpr right, bool subtract) : CompiledExpr(DataType.Date)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var d = (PrimitiveColumn<int>)left.Evaluate(batch);
        var ivs = right.Evaluate(batch);
        var result = new int[n];
        for (var i = 0; i < n; i++)
        {
            var iv = (IntervalValue?)ivs.GetValue(i) ?? default;
            if (subtract) iv = -iv;
            var nanos = TimestampIntervalKernel.Add(d.Values[i] * IntervalValue.NanosPerDay, iv);
            result[i] = (int)Timestamps.FloorDiv(nanos, IntervalValue.NanosPerDay);
        }
        return new PrimitiveColumn<int>(Type, result, n, Bitmap.AndValidity(d.Validity, ivs.Validity));
    }
}

/// <summary>TIMESTAMP - TIMESTAMP → INTERVAL of days and nanoseconds.</summary>
internal sealed class TimestampDiffKernel(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Interval)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = (PrimitiveColumn<long>)left.Evaluate(batch);
        var r = (PrimitiveColumn<long>)right.Evaluate(batch);
        var result = new IntervalValue[n];
        for (var i = 0; i < n; i++)
        {
            var diff = l.Values[i] - r.Values[i];
            var days = diff / IntervalValue.NanosPerDay;
            result[i] = new IntervalValue(0, (int)days, diff - days * IntervalValue.NanosPerDay);
        }
        return new PrimitiveColumn<IntervalValue>(Type, result, n, Bitmap.AndValidity(l.Validity, r.Validity));
    }
}

/// <summary>INTERVAL ± INTERVAL, INTERVAL * / number (cold; row-wise).</summary>
internal static class IntervalMath
{
    public static object? Apply(Bound.BinaryOp op, object a, object b)
    {
        var x = (IntervalValue)a;
        switch (op)
        {
            case Bound.BinaryOp.Add: return x + (IntervalValue)b;
            case Bound.BinaryOp.Subtract: return x + -(IntervalValue)b;
            default:
                var f = (double)b;
                if (op == Bound.BinaryOp.Divide)
                {
                    if (f == 0) throw new DataException("Divide by zero error");
                    f = 1 / f;
                }
                var months = x.Months * f;
                var days = x.Days * f + (months - Math.Truncate(months)) * 30;
                var nanos = x.Nanoseconds * f + (days - Math.Truncate(days)) * IntervalValue.NanosPerDay;
                return new IntervalValue((int)months, (int)days, (long)nanos);
        }
    }
}
