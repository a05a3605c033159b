using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// Searched CASE (a simple CASE is compiled to <c>operand = value</c> conditions). Each THEN
/// is evaluated only on the rows that chose it, so <c>CASE WHEN x = 0 THEN 0 ELSE 10 / x END</c>
/// does not divide by zero.
/// </summary>
internal sealed class CaseKernel(CompiledExpr[] whens, CompiledExpr[] thens, CompiledExpr? otherwise, DataType type) : CompiledExpr(type)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var remaining = new Bitmap(n, true);
        var source = new int[n];
        var position = new int[n];
        Array.Fill(source, -1);
        var results = new Column?[thens.Length + 1];
        for (var b = 0; b <= thens.Length && remaining.CountSet() > 0; b++)
        {
            Bitmap take;
            CompiledExpr value;
            if (b < thens.Length)
            {
                take = whens[b].EvaluatePredicate(batch).And(remaining);
                value = thens[b];
            }
            else
            {
                if (otherwise is null) break;
                take = remaining;
                value = otherwise;
            }
            var count = take.CountSet();
            if (count == 0) continue;
            results[b] = value.Evaluate(count == n ? batch : batch.Filter(take));
            var k = 0;
            for (var i = 0; i < n; i++)
            {
                if (!take.Get(i)) continue;
                source[i] = b;
                position[i] = k++;
                remaining.Clear(i);
            }
        }
        var builder = ColumnBuilder.Create(Type, n);
        for (var i = 0; i < n; i++)
        {
            var c = source[i] < 0 ? null : results[source[i]];
            if (c is null || c is NullColumn) builder.AppendNull();
            else builder.AppendFrom(c, position[i]);
        }
        return builder.Build();
    }
}
