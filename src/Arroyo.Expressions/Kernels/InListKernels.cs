using System.Numerics;
using System.Text;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>IN over a constant list of numbers: one hash probe per row.</summary>
internal sealed class NumericInListKernel<T>(CompiledExpr input, T[] items, bool listHasNull, bool negated) : CompiledExpr(DataType.Boolean)
    where T : unmanaged, INumber<T>
{
    private readonly HashSet<T> _set = [.. items];

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        if (input.Evaluate(batch) is not PrimitiveColumn<T> c) return NullColumns.Of(Type, n);
        var result = new bool[n];
        var v = c.Values;
        for (var i = 0; i < n; i++) result[i] = _set.Contains(v[i]);
        return InList.Finish(result, c.Validity, listHasNull, negated, n);
    }
}

/// <summary>IN over a constant list of strings, compared as UTF-8 bytes.</summary>
internal sealed class StringInListKernel(CompiledExpr input, string[] items, bool listHasNull, bool negated) : CompiledExpr(DataType.Boolean)
{
    private readonly byte[][] _items = items.Select(Encoding.UTF8.GetBytes).ToArray();

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        if (input.Evaluate(batch) is not StringColumn c) return NullColumns.Of(Type, n);
        var result = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var s = c.GetBytes(i);
            foreach (var item in _items)
            {
                if (s.SequenceEqual(item))
                {
                    result[i] = true;
                    break;
                }
            }
        }
        return InList.Finish(result, c.Validity, listHasNull, negated, n);
    }
}

/// <summary>IN with non-constant items or other types: row-wise through boxed values (cold path).</summary>
internal sealed class GenericInListKernel(CompiledExpr input, CompiledExpr[] items, bool negated) : CompiledExpr(DataType.Boolean)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var c = input.Evaluate(batch);
        var lists = items.Select(e => e.Evaluate(batch)).ToArray();
        var result = new bool[n];
        var validity = new Bitmap(n);
        for (var i = 0; i < n; i++)
        {
            var v = c.GetValue(i);
            if (v is null) continue;
            var sawNull = false;
            var found = false;
            foreach (var l in lists)
            {
                var x = l.GetValue(i);
                if (x is null) sawNull = true;
                else if (ValueComparer.Instance.Compare(v, x) == 0)
                {
                    found = true;
                    break;
                }
            }
            if (found || !sawNull)
            {
                validity.Set(i);
                result[i] = found != negated;
            }
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, validity);
    }
}

internal static class InList
{
    /// <summary>Applies SQL's rule: no match with a NULL in the list is NULL, then negation.</summary>
    public static Column Finish(bool[] result, Bitmap? validity, bool listHasNull, bool negated, int n)
    {
        if (listHasNull)
        {
            var v = validity?.Clone() ?? new Bitmap(n, true);
            for (var i = 0; i < n; i++) if (!result[i]) v.Clear(i);
            validity = v;
        }
        if (negated) for (var i = 0; i < n; i++) result[i] = !result[i];
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, validity);
    }
}
