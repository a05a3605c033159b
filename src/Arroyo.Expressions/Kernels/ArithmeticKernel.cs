using System.Numerics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// <c>left op right</c> over numbers of one storage type <typeparamref name="T"/>. A literal
/// operand is kept as a scalar (column-op-scalar loop) instead of being broadcast.
/// </summary>
internal sealed class ArithmeticKernel<T, TOp> : CompiledExpr
    where T : unmanaged, INumber<T>
    where TOp : struct, IArithmeticOp<T>
{
    private readonly CompiledExpr _left;
    private readonly CompiledExpr _right;

    public ArithmeticKernel(CompiledExpr left, CompiledExpr right, DataType type) : base(type)
    {
        _left = left;
        _right = right;
    }

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        try
        {
            if (_right.IsConstant)
            {
                if (_right.ConstantValue is null) return NullColumns.Of(Type, n);
                var l = (PrimitiveColumn<T>)_left.Evaluate(batch);
                return ColumnScalar(l, (T)_right.ConstantValue, n);
            }
            if (_left.IsConstant)
            {
                if (_left.ConstantValue is null) return NullColumns.Of(Type, n);
                var r = (PrimitiveColumn<T>)_right.Evaluate(batch);
                return ScalarColumn((T)_left.ConstantValue, r, n);
            }
            return ColumnColumn((PrimitiveColumn<T>)_left.Evaluate(batch), (PrimitiveColumn<T>)_right.Evaluate(batch), n);
        }
        catch (OverflowException)
        {
            throw new DataException($"Arithmetic overflow in {Type} arithmetic");
        }
    }

    private PrimitiveColumn<T> ColumnColumn(PrimitiveColumn<T> l, PrimitiveColumn<T> r, int n)
    {
        var validity = Bitmap.AndValidity(l.Validity, r.Validity);
        var a = l.Values.AsSpan(0, n);
        var b = r.Values.AsSpan(0, n);
        var result = new T[n];
        if (TOp.ChecksZero)
        {
            for (var i = 0; i < n; i++)
            {
                if (T.IsZero(b[i]))
                {
                    if (validity is null || validity.Get(i)) throw DivideByZero();
                    continue;
                }
                result[i] = TOp.Apply(a[i], b[i]);
            }
        }
        else
        {
            for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a[i], b[i]);
        }
        return new PrimitiveColumn<T>(Type, result, n, validity);
    }

    private PrimitiveColumn<T> ColumnScalar(PrimitiveColumn<T> l, T b, int n)
    {
        if (TOp.ChecksZero && T.IsZero(b))
        {
            if (l.NullCount == n) return (PrimitiveColumn<T>)NullColumns.Of(Type, n);
            throw DivideByZero();
        }
        var a = l.Values.AsSpan(0, n);
        var result = new T[n];
        for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a[i], b);
        return new PrimitiveColumn<T>(Type, result, n, l.Validity);
    }

    private PrimitiveColumn<T> ScalarColumn(T a, PrimitiveColumn<T> r, int n)
    {
        var b = r.Values.AsSpan(0, n);
        var result = new T[n];
        var validity = r.Validity;
        if (TOp.ChecksZero)
        {
            for (var i = 0; i < n; i++)
            {
                if (T.IsZero(b[i]))
                {
                    if (validity is null || validity.Get(i)) throw DivideByZero();
                    continue;
                }
                result[i] = TOp.Apply(a, b[i]);
            }
        }
        else
        {
            for (var i = 0; i < result.Length; i++) result[i] = TOp.Apply(a, b[i]);
        }
        return new PrimitiveColumn<T>(Type, result, n, validity);
    }

    private static DataException DivideByZero() => new("Divide by zero error");
}
