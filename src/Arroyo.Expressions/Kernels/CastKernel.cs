using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Casts;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

internal sealed class CastKernel(CompiledExpr input, CastFn cast, DataType type) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch) => cast(input.Evaluate(batch), batch.RowCount);
}

/// <summary>
/// Runs a row-wise function over already-evaluated argument columns through boxed values.
/// Only for cold functions and operators (CASE over nested types, rare casts); hot ones have typed kernels.
/// </summary>
internal sealed class RowKernel(CompiledExpr[] args, Func<object?[], object?> f, DataType type, bool propagateNulls = true) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var columns = new Column[args.Length];
        for (var i = 0; i < args.Length; i++) columns[i] = args[i].Evaluate(batch);
        return Run(columns, n, f, Type, propagateNulls);
    }

    public static Column Run(Column[] columns, int n, Func<object?[], object?> f, DataType type, bool propagateNulls)
    {
        var builder = ColumnBuilder.Create(type, n);
        var values = new object?[columns.Length];
        for (var r = 0; r < n; r++)
        {
            var anyNull = false;
            for (var i = 0; i < columns.Length; i++)
            {
                values[i] = columns[i].GetValue(r);
                anyNull |= values[i] is null;
            }
            builder.AppendObject(anyNull && propagateNulls ? null : f(values));
        }
        return builder.Build();
    }
}
