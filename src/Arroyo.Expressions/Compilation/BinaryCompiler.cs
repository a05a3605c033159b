using System.Globalization;
using System.Numerics;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Compilation;

/// <summary>Picks the typed kernel for a binary operator from its (already coerced) operand types.</summary>
internal static class BinaryCompiler
{
    public static CompiledExpr Compile(BinaryExpr b, Func<BoundExpr, CompiledExpr> compile)
    {
        var left = compile(b.Left);
        var right = compile(b.Right);
        var lt = b.Left.Type;
        var rt = b.Right.Type;
        switch (b.Op)
        {
            case BinaryOp.And: return new AndOrKernel(left, right, isAnd: true);
            case BinaryOp.Or: return new AndOrKernel(left, right, isAnd: false);
            case BinaryOp.IsDistinctFrom: return new DistinctKernel(left, right, distinct: true);
            case BinaryOp.IsNotDistinctFrom: return new DistinctKernel(left, right, distinct: false);
            case BinaryOp.Concat: return new ConcatKernel(left, right);
            case BinaryOp.Like: return new MatchKernel(left, right, like: true, ignoreCase: false, negated: false);
            case BinaryOp.NotLike: return new MatchKernel(left, right, like: true, ignoreCase: false, negated: true);
            case BinaryOp.ILike: return new MatchKernel(left, right, like: true, ignoreCase: true, negated: false);
            case BinaryOp.NotILike: return new MatchKernel(left, right, like: true, ignoreCase: true, negated: true);
            case BinaryOp.RegexMatch: return new MatchKernel(left, right, like: false, ignoreCase: false, negated: false);
            case BinaryOp.RegexIMatch: return new MatchKernel(left, right, like: false, ignoreCase: true, negated: false);
            case BinaryOp.RegexNotMatch: return new MatchKernel(left, right, like: false, ignoreCase: false, negated: true);
            case BinaryOp.RegexNotIMatch: return new MatchKernel(left, right, like: false, ignoreCase: true, negated: true);
            case BinaryOp.JsonGet: return new JsonArrowKernel(left, right, asText: false);
            case BinaryOp.JsonGetText: return new JsonArrowKernel(left, right, asText: true);
        }
        if (b.Op.IsComparison()) return Comparison(b.Op, left, right, lt);
        if (lt.Kind == TypeKind.Null || rt.Kind == TypeKind.Null) return new ConstantKernel(null, b.Type);
        if (b.Op is BinaryOp.BitwiseAnd or BinaryOp.BitwiseOr or BinaryOp.BitwiseXor or BinaryOp.ShiftLeft or BinaryOp.ShiftRight)
        {
            var clr = Core.Columns.ColumnBuilder.PrimitiveClrType(b.Type)!;
            return new RowKernel([left, right], a =>
            {
                var x = Convert.ToInt64(a[0], CultureInfo.InvariantCulture);
                var y = Convert.ToInt64(a[1], CultureInfo.InvariantCulture);
                var r = b.Op switch
                {
                    BinaryOp.BitwiseAnd => x & y,
                    BinaryOp.BitwiseOr => x | y,
                    BinaryOp.BitwiseXor => x ^ y,
                    BinaryOp.ShiftLeft => x << (int)y,
                    _ => x >> (int)y,
                };
                return Convert.ChangeType(r, clr, CultureInfo.InvariantCulture);
            }, b.Type);
        }
        if (lt.Kind == TypeKind.Timestamp && rt.Kind == TypeKind.Interval) return new TimestampIntervalKernel(left, right, b.Op == BinaryOp.Subtract);
        if (lt.Kind == TypeKind.Date && rt.Kind == TypeKind.Interval) return new DateIntervalKernel(left, right, b.Op == BinaryOp.Subtract);
        if (lt.Kind == TypeKind.Timestamp && rt.Kind == TypeKind.Timestamp) return new TimestampDiffKernel(left, right);
        if (lt.Kind == TypeKind.Interval) return new RowKernel([left, right], a => IntervalMath.Apply(b.Op, a[0]!, a[1]!), b.Type);
        return TypeDispatch.Numeric(b.Type, new ArithmeticVisitor(b.Op, left, right, b.Type));
    }

    private sealed class ArithmeticVisitor(BinaryOp op, CompiledExpr left, CompiledExpr right, DataType type) : INumericVisitor<CompiledExpr>
    {
        public CompiledExpr Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => op switch
        {
            BinaryOp.Add => new ArithmeticKernel<T, AddOp<T>>(left, right, type),
            BinaryOp.Subtract => new ArithmeticKernel<T, SubtractOp<T>>(left, right, type),
            BinaryOp.Multiply => new ArithmeticKernel<T, MultiplyOp<T>>(left, right, type),
            BinaryOp.Divide => new ArithmeticKernel<T, DivideOp<T>>(left, right, type),
            BinaryOp.Modulo => new ArithmeticKernel<T, ModuloOp<T>>(left, right, type),
            _ => throw new NotSupportedException($"operator {op}"),
        };
    }

    private static CompiledExpr Comparison(BinaryOp op, CompiledExpr left, CompiledExpr right, DataType type) => op switch
    {
        BinaryOp.Equal => Comparison<EqOp>(left, right, type),
        BinaryOp.NotEqual => Comparison<NeOp>(left, right, type),
        BinaryOp.Less => Comparison<LtOp>(left, right, type),
        BinaryOp.LessOrEqual => Comparison<LeOp>(left, right, type),
        BinaryOp.Greater => Comparison<GtOp>(left, right, type),
        _ => Comparison<GeOp>(left, right, type),
    };

    private static CompiledExpr Comparison<TOp>(CompiledExpr left, CompiledExpr right, DataType type) where TOp : struct, ICompareOp
    {
        if (TypeDispatch.IsNumberStored(type)) return TypeDispatch.Numeric(type, new CompareVisitor<TOp>(left, right));
        return type.Kind switch
        {
            TypeKind.Utf8 => new StringCompareKernel<TOp>(left, right),
            TypeKind.Boolean => new BoolCompareKernel<TOp>(left, right),
            TypeKind.Null => new ConstantKernel(null, DataType.Boolean),
            _ => new GenericCompareKernel<TOp>(left, right),
        };
    }

    private sealed class CompareVisitor<TOp>(CompiledExpr left, CompiledExpr right) : INumericVisitor<CompiledExpr> where TOp : struct, ICompareOp
    {
        public CompiledExpr Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => new NumericCompareKernel<T, TOp>(left, right);
    }
}
