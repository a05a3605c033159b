using System.Numerics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

internal sealed class NegateKernel<T>(CompiledExpr input, DataType type) : CompiledExpr(type)
    where T : unmanaged, INumber<T>
{
    public override Column Evaluate(Batch batch)
    {
        var c = (PrimitiveColumn<T>)input.Evaluate(batch);
        var n = batch.RowCount;
        var result = new T[n];
        var v = c.Values;
        for (var i = 0; i < n; i++) result[i] = T.Zero - v[i];
        return new PrimitiveColumn<T>(Type, result, n, c.Validity);
    }
}

internal sealed class NegateIntervalKernel(CompiledExpr input) : CompiledExpr(DataType.Interval)
{
    public override Column Evaluate(Batch batch)
    {
        var c = (PrimitiveColumn<IntervalValue>)input.Evaluate(batch);
        var result = new IntervalValue[batch.RowCount];
        for (var i = 0; i < result.Length; i++) result[i] = -c.Values[i];
        return new PrimitiveColumn<IntervalValue>(Type, result, result.Length, c.Validity);
    }
}
