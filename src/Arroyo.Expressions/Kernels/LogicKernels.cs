using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// SQL three-valued AND / OR, word-at-a-time over the value and validity bits:
/// AND is known when both sides are known or either is a known false; OR when either is a known true.
/// </summary>
internal sealed class AndOrKernel(CompiledExpr left, CompiledExpr right, bool isAnd) : CompiledExpr(DataType.Boolean)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = Bools(left.Evaluate(batch), n);
        var r = Bools(right.Evaluate(batch), n);
        var result = new bool[n];
        var a = l.Values;
        var b = r.Values;
        if (l.Validity is null && r.Validity is null)
        {
            if (isAnd) for (var i = 0; i < n; i++) result[i] = a[i] & b[i];
            else for (var i = 0; i < n; i++) result[i] = a[i] | b[i];
            return new PrimitiveColumn<bool>(DataType.Boolean, result, n);
        }
        var validity = new Bitmap(n);
        for (var i = 0; i < n; i++)
        {
            var va = l.IsValid(i);
            var vb = r.IsValid(i);
            var x = a[i] && va;
            var y = b[i] && vb;
            if (isAnd)
            {
                result[i] = x & y;
                if ((va && vb) || (va && !a[i]) || (vb && !b[i])) validity.Set(i);
            }
            else
            {
                result[i] = x | y;
                if ((va && vb) || x || y) validity.Set(i);
            }
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, validity);
    }

    // In a filter NULL counts as false, so the selection masks combine with plain AND / OR.
    public override Bitmap EvaluatePredicate(Batch batch)
    {
        var l = left.EvaluatePredicate(batch);
        var r = right.EvaluatePredicate(batch);
        return isAnd ? l.And(r) : l.Or(r);
    }

    internal static PrimitiveColumn<bool> Bools(Column c, int n) =>
        c as PrimitiveColumn<bool> ?? (PrimitiveColumn<bool>)NullColumns.Of(DataType.Boolean, n);
}

internal sealed class NotKernel(CompiledExpr input) : CompiledExpr(DataType.Boolean)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var c = AndOrKernel.Bools(input.Evaluate(batch), n);
        var result = new bool[n];
        var v = c.Values;
        for (var i = 0; i < n; i++) result[i] = !v[i];
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, c.Validity);
    }
}

/// <summary>IS [NOT] NULL, IS [NOT] TRUE/FALSE/UNKNOWN: never NULL themselves.</summary>
internal sealed class IsKernel(CompiledExpr input, Bound.UnaryOp op) : CompiledExpr(DataType.Boolean)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var c = input.Evaluate(batch);
        var result = new bool[n];
        var bools = c as PrimitiveColumn<bool>;
        for (var i = 0; i < n; i++)
        {
            var valid = c.IsValid(i);
            var value = valid && bools is not null && bools.Values[i];
            result[i] = op switch
            {
                Bound.UnaryOp.IsNull or Bound.UnaryOp.IsUnknown => !valid,
                Bound.UnaryOp.IsNotNull or Bound.UnaryOp.IsNotUnknown => valid,
                Bound.UnaryOp.IsTrue => value,
                Bound.UnaryOp.IsNotTrue => !value,
                Bound.UnaryOp.IsFalse => valid && !value,
                _ => !(valid && !value),
            };
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n);
    }
}

/// <summary>IS [NOT] DISTINCT FROM: equality where NULL equals NULL; never NULL.</summary>
internal sealed class DistinctKernel(CompiledExpr left, CompiledExpr right, bool distinct) : CompiledExpr(DataType.Boolean)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = left.Evaluate(batch);
        var r = right.Evaluate(batch);
        var result = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var vl = l.IsValid(i);
            var vr = r.IsValid(i);
            bool same = vl != vr ? false : !vl || RowEquals(l, r, i);
            result[i] = same != distinct;
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n);
    }

    private static bool RowEquals(Column l, Column r, int i) => l switch
    {
        StringColumn ls => ls.GetBytes(i).SequenceEqual(((StringColumn)r).GetBytes(i)),
        PrimitiveColumn<long> lp => lp.Values[i] == ((PrimitiveColumn<long>)r).Values[i],
        PrimitiveColumn<int> lp => lp.Values[i] == ((PrimitiveColumn<int>)r).Values[i],
        PrimitiveColumn<double> lp => lp.Values[i].Equals(((PrimitiveColumn<double>)r).Values[i]),
        PrimitiveColumn<bool> lp => lp.Values[i] == ((PrimitiveColumn<bool>)r).Values[i],
        _ => ValueComparer.Instance.Compare(l.GetValue(i), r.GetValue(i)) == 0,
    };
}
