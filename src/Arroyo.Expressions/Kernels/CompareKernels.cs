using System.Numerics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>Comparison of two numbers (or timestamps/dates) of storage type <typeparamref name="T"/>.</summary>
internal sealed class NumericCompareKernel<T, TOp>(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Boolean)
    where T : unmanaged, INumber<T>
    where TOp : struct, ICompareOp
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var result = new bool[n];
        Bitmap? validity;
        if (right.IsConstant)
        {
            if (right.ConstantValue is null) return NullColumns.Of(Type, n);
            var l = (PrimitiveColumn<T>)left.Evaluate(batch);
            var a = l.Values.AsSpan(0, n);
            var b = (T)right.ConstantValue;
            for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a[i], b);
            validity = l.Validity;
        }
        else if (left.IsConstant)
        {
            if (left.ConstantValue is null) return NullColumns.Of(Type, n);
            var r = (PrimitiveColumn<T>)right.Evaluate(batch);
            var a = (T)left.ConstantValue;
            var b = r.Values.AsSpan(0, n);
            for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a, b[i]);
            validity = r.Validity;
        }
        else
        {
            var l = (PrimitiveColumn<T>)left.Evaluate(batch);
            var r = (PrimitiveColumn<T>)right.Evaluate(batch);
            var a = l.Values.AsSpan(0, n);
            var b = r.Values.AsSpan(0, n);
            for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a[i], b[i]);
            validity = Bitmap.AndValidity(l.Validity, r.Validity);
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, validity);
    }
}

/// <summary>Comparison of UTF-8 text by bytes (which orders by code point, as Rust's str does).</summary>
internal sealed class StringCompareKernel<TOp>(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Boolean)
    where TOp : struct, ICompareOp
{
    private byte[]? _constant;

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var result = new bool[n];
        if (right.IsConstant || left.IsConstant)
        {
            var constant = right.IsConstant ? right : left;
            if (constant.ConstantValue is null) return NullColumns.Of(Type, n);
            _constant ??= System.Text.Encoding.UTF8.GetBytes((string)constant.ConstantValue);
            var column = (StringColumn)(right.IsConstant ? left : right).Evaluate(batch);
            var flip = left.IsConstant;
            for (var i = 0; i < n; i++)
            {
                var order = column.GetBytes(i).SequenceCompareTo(_constant);
                result[i] = TOp.FromOrder(flip ? -order : order);
            }
            return new PrimitiveColumn<bool>(DataType.Boolean, result, n, column.Validity);
        }
        var l = (StringColumn)left.Evaluate(batch);
        var r = (StringColumn)right.Evaluate(batch);
        for (var i = 0; i < n; i++) result[i] = TOp.FromOrder(l.GetBytes(i).SequenceCompareTo(r.GetBytes(i)));
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, Bitmap.AndValidity(l.Validity, r.Validity));
    }
}

/// <summary>Comparison of booleans (false &lt; true).</summary>
internal sealed class BoolCompareKernel<TOp>(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Boolean)
    where TOp : struct, ICompareOp
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = (PrimitiveColumn<bool>)ToColumn(left, batch);
        var r = (PrimitiveColumn<bool>)ToColumn(right, batch);
        var result = new bool[n];
        for (var i = 0; i < n; i++) result[i] = TOp.Apply(l.Values[i] ? 1 : 0, r.Values[i] ? 1 : 0);
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, Bitmap.AndValidity(l.Validity, r.Validity));
    }

    private static Column ToColumn(CompiledExpr e, Batch batch)
    {
        var c = e.Evaluate(batch);
        return c is NullColumn ? NullColumns.Of(DataType.Boolean, batch.RowCount) : c;
    }
}

/// <summary>Comparison of any other type (intervals, lists, structs) through <see cref="ValueComparer"/>; cold path.</summary>
internal sealed class GenericCompareKernel<TOp>(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Boolean)
    where TOp : struct, ICompareOp
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = left.Evaluate(batch);
        var r = right.Evaluate(batch);
        var result = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var a = l.GetValue(i);
            var b = r.GetValue(i);
            if (a is not null && b is not null) result[i] = TOp.FromOrder(ValueComparer.Instance.Compare(a, b));
        }
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, Bitmap.AndValidity(l.Validity, r.Validity));
    }
}
