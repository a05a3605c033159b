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
            // A column or a literal cannot fail and costs nothing to read whole: it is read
            // over the full batch rather than copying the batch's chosen rows first.
            var whole = count == n || value is ColumnKernel or ConstantKernel;
            results[b] = value.Evaluate(whole ? batch : batch.Filter(take));
            var k = 0;
            for (var i = 0; i < n; i++)
            {
                if (!take.Get(i)) continue;
                source[i] = b;
                position[i] = whole ? i : k++;
                remaining.Clear(i);
            }
        }
        return Merge(results, source, position, n);
    }

    /// <summary>Row i takes row position[i] of results[source[i]] (NULL for source -1).</summary>
    private Column Merge(Column?[] results, int[] source, int[] position, int n)
    {
        var only = -1;
        for (var b = 0; b < results.Length; b++)
        {
            if (results[b] is null or NullColumn) continue;
            if (only >= 0 || results[b]!.Type != Type) return MergeRowByRow(results, source, position, n);
            only = b;
        }
        if (only < 0) return NullColumns.Of(Type, n);
        // One branch gave every non-NULL value (CASE WHEN c THEN x END): one typed gather.
        var column = results[only]!;
        var validity = new Bitmap(n);
        for (var i = 0; i < n; i++)
        {
            if (source[i] == only && column.IsValid(position[i])) validity.Set(i);
            else position[i] = 0;
        }
        return column.TakeWith(position, validity);
    }

    private Column MergeRowByRow(Column?[] results, int[] source, int[] position, int n)
    {
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
