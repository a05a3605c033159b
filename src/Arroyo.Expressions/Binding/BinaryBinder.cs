using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Expressions.Binding;

/// <summary>Type rules of the binary operators (DataFusion's get_input_types / get_result_type).</summary>
internal static class BinaryBinder
{
    public static BoundExpr Bind(BinaryOp op, BoundExpr left, BoundExpr right, SourceSpan span, FunctionRegistry? functions)
    {
        var bound = BindCore(op, left, right, span, functions);
        // Fold literal-only operations now so kernels see typed constants and bad constants fail at plan time.
        return bound is BinaryExpr { Left: Literal, Right: Literal } ? Coercion.Fold(bound, span) : bound;
    }

    private static BoundExpr BindCore(BinaryOp op, BoundExpr left, BoundExpr right, SourceSpan span, FunctionRegistry? functions)
    {
        var nullable = left.Nullable || right.Nullable;
        switch (op)
        {
            case BinaryOp.And or BinaryOp.Or:
            {
                var l = Coercion.RequireBoolean(left, op.Symbol(), left.Span.IsKnown ? left.Span : span);
                var r = Coercion.RequireBoolean(right, op.Symbol(), right.Span.IsKnown ? right.Span : span);
                return new BinaryExpr(op, l, r, DataType.Boolean, nullable, span);
            }
            case BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater
                or BinaryOp.GreaterOrEqual or BinaryOp.IsDistinctFrom or BinaryOp.IsNotDistinctFrom:
            {
                var common = TypeRules.ComparisonCommon(left.Type, right.Type)
                             ?? throw Incompatible(op, left, right, span);
                if (common.Kind == TypeKind.Null) common = DataType.Boolean;
                common = NarrowForLiteral(left, right, common);
                var distinct = op is BinaryOp.IsDistinctFrom or BinaryOp.IsNotDistinctFrom;
                return new BinaryExpr(op, Coercion.CastTo(left, common), Coercion.CastTo(right, common), DataType.Boolean,
                    !distinct && nullable, span);
            }
            case BinaryOp.Concat:
            {
                if (left.Type.Kind == TypeKind.List || right.Type.Kind == TypeKind.List)
                {
                    // As DataFusion's nested-function planner, by array depth: equal depths concatenate,
                    // otherwise the shallower side is an element appended or prepended. Through the
                    // registry, so the plan names the function.
                    if (functions is null) throw new UserException("|| on arrays needs the function registry (array_concat)", span);
                    var (l, r) = (ListDepth(left.Type), ListDepth(right.Type));
                    var name = l == r ? "array_concat" : l > r ? "array_append" : "array_prepend";
                    return functions.BindCall(name, [left, right], span);
                }
                return new BinaryExpr(op, Coercion.CastTo(left, DataType.Utf8), Coercion.CastTo(right, DataType.Utf8), DataType.Utf8, nullable, span);
            }
            case BinaryOp.Like or BinaryOp.NotLike or BinaryOp.ILike or BinaryOp.NotILike
                or BinaryOp.RegexMatch or BinaryOp.RegexIMatch or BinaryOp.RegexNotMatch or BinaryOp.RegexNotIMatch:
            {
                if (!IsTextLike(left.Type) || !IsTextLike(right.Type)) throw Incompatible(op, left, right, span);
                return new BinaryExpr(op, Coercion.CastTo(left, DataType.Utf8), Coercion.CastTo(right, DataType.Utf8), DataType.Boolean, nullable, span);
            }
            case BinaryOp.JsonGet or BinaryOp.JsonGetText:
            {
                if (!IsTextLike(left.Type)) throw Incompatible(op, left, right, span);
                var key = right.Type.IsInteger ? Coercion.CastTo(right, DataType.Int64)
                    : IsTextLike(right.Type) ? Coercion.CastTo(right, DataType.Utf8)
                    : throw Incompatible(op, left, right, span);
                return new BinaryExpr(op, Coercion.CastTo(left, DataType.Json), key,
                    op == BinaryOp.JsonGet ? DataType.Json : DataType.Utf8, true, span);
            }
            case BinaryOp.BitwiseAnd or BinaryOp.BitwiseOr or BinaryOp.BitwiseXor or BinaryOp.ShiftLeft or BinaryOp.ShiftRight:
            {
                var l = NullAs(left, right.Type);
                var r = NullAs(right, left.Type);
                if (!l.Type.IsInteger || !r.Type.IsInteger) throw Incompatible(op, left, right, span);
                var common = TypeRules.NumericCommon(l.Type, r.Type)!;
                return new BinaryExpr(op, Coercion.CastTo(l, common), Coercion.CastTo(r, common), common, nullable, span);
            }
            default:
                return BindArithmetic(op, left, right, span, nullable);
        }
    }

    private static int ListDepth(DataType type)
    {
        var depth = 0;
        for (var t = type; t.Kind == TypeKind.List; t = t.Element!) depth++;
        return depth;
    }

    private static BoundExpr BindArithmetic(BinaryOp op, BoundExpr left, BoundExpr right, SourceSpan span, bool nullable)
    {
        var l = NullAs(left, right.Type);
        var r = NullAs(right, left.Type);
        var lt = l.Type;
        var rt = r.Type;
        if (lt.Kind == TypeKind.Null && rt.Kind == TypeKind.Null) return Literal.Null(span);
        // Text literals next to temporal values are read as that temporal type ('2023-01-01' + INTERVAL …).
        if (lt.IsString && l is Literal && (rt.Kind == TypeKind.Timestamp || rt.Kind == TypeKind.Interval)) { l = Coercion.CastTo(l, rt); lt = rt; }
        if (rt.IsString && r is Literal && (lt.Kind == TypeKind.Timestamp || lt.Kind == TypeKind.Interval)) { r = Coercion.CastTo(r, lt); rt = lt; }

        if (lt.IsNumeric && rt.IsNumeric)
        {
            var common = TypeRules.NumericCommon(lt, rt)!;
            var result = common;
            if (common.Kind == TypeKind.Decimal)
            {
                var ld = TypeRules.AsDecimal(lt);
                var rd = TypeRules.AsDecimal(rt);
                result = TypeRules.DecimalArithmetic(op.Symbol(), ld, rd);
                // Kernels compute in C# decimal; cast both to the result type so the scale is fixed.
                common = result;
            }
            return new BinaryExpr(op, Coercion.CastTo(l, common), Coercion.CastTo(r, common), result, nullable, span);
        }
        var lk = lt.Kind;
        var rk = rt.Kind;
        switch (op)
        {
            case BinaryOp.Subtract when lk == TypeKind.Timestamp && rk is TypeKind.Timestamp or TypeKind.Date:
                return new BinaryExpr(op, l, Coercion.CastTo(r, DataType.Timestamp), DataType.Interval, nullable, span);
            case BinaryOp.Subtract when lk == TypeKind.Date && rk == TypeKind.Timestamp:
                return new BinaryExpr(op, Coercion.CastTo(l, DataType.Timestamp), r, DataType.Interval, nullable, span);
            case BinaryOp.Subtract when lk == TypeKind.Date && rk == TypeKind.Date:
                return new BinaryExpr(op, Coercion.CastTo(l, DataType.Timestamp), Coercion.CastTo(r, DataType.Timestamp), DataType.Interval, nullable, span);
            case BinaryOp.Add or BinaryOp.Subtract when lk is TypeKind.Timestamp or TypeKind.Date && rk == TypeKind.Interval:
                return new BinaryExpr(op, l, r, lt, nullable, span);
            case BinaryOp.Add when lk == TypeKind.Interval && rk is TypeKind.Timestamp or TypeKind.Date:
                // Kernels take the temporal value on the left.
                return new BinaryExpr(op, r, l, rt, nullable, span);
            case BinaryOp.Add or BinaryOp.Subtract when lk == TypeKind.Interval && rk == TypeKind.Interval:
                return new BinaryExpr(op, l, r, DataType.Interval, nullable, span);
            case BinaryOp.Multiply or BinaryOp.Divide when lk == TypeKind.Interval && rt.IsNumeric:
                return new BinaryExpr(op, l, Coercion.CastTo(r, DataType.Float64), DataType.Interval, nullable, span);
            case BinaryOp.Multiply when rk == TypeKind.Interval && lt.IsNumeric:
                return new BinaryExpr(op, r, Coercion.CastTo(l, DataType.Float64), DataType.Interval, nullable, span);
        }
        throw new UserException(
            $"Cannot coerce arithmetic expression {lt} {op.Symbol()} {rt} to valid types", span.IsKnown ? span : left.Span);
    }

    /// <summary>
    /// <c>int_col = 5</c> compares as INT, casting the literal rather than every row of the column
    /// (DataFusion's unwrap-cast rule), when the literal fits the column's integer type.
    /// </summary>
    private static DataType NarrowForLiteral(BoundExpr left, BoundExpr right, DataType common)
    {
        var (column, literal) = left is Literal ? (right, left as Literal) : (left, right as Literal);
        if (literal?.Value is null || column is Literal || !column.Type.IsInteger || !literal.Type.IsInteger || column.Type == common) return common;
        try
        {
            var value = System.Convert.ToDecimal(literal.Value, System.Globalization.CultureInfo.InvariantCulture);
            var clr = Arroyo.Core.Columns.ColumnBuilder.PrimitiveClrType(column.Type)!;
            System.Convert.ChangeType(value, clr, System.Globalization.CultureInfo.InvariantCulture);
            return column.Type;
        }
        catch (OverflowException)
        {
            return common;
        }
    }

    private static BoundExpr NullAs(BoundExpr expr, DataType other) =>
        expr.Type.Kind == TypeKind.Null && other.Kind != TypeKind.Null ? Coercion.CastTo(expr, other) : expr;

    private static bool IsTextLike(DataType t) => t.Kind is TypeKind.Utf8 or TypeKind.Null;

    private static UserException Incompatible(BinaryOp op, BoundExpr left, BoundExpr right, SourceSpan span) =>
        new($"cannot apply operator {op.Symbol()} to {left.Type} and {right.Type}", span.IsKnown ? span : left.Span);
}
