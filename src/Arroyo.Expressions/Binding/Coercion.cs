using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Binding;

/// <summary>
/// Binds operators, casts, CASE and IN with DataFusion's coercion rules: operands are cast
/// to the types the kernels expect and the result type is computed. Type errors are
/// <see cref="UserException"/>s carrying the span given.
/// </summary>
public static class Coercion
{
    /// <summary>The common type of two values (CASE branches, COALESCE, UNION columns), or null.</summary>
    public static DataType? CommonType(DataType a, DataType b) => TypeRules.Common(a, b);

    /// <summary>The common type of many values, or null if some pair has none.</summary>
    public static DataType? CommonType(IEnumerable<DataType> types)
    {
        DataType? result = null;
        foreach (var t in types)
        {
            result = result is null ? t : TypeRules.Common(result, t);
            if (result is null) return null;
        }
        return result;
    }

    public static bool CanCast(DataType from, DataType to) => TypeRules.CanCast(from, to);

    /// <summary>
    /// An explicit CAST/TRY_CAST. A constant input is converted now, so a bad literal
    /// (<c>CAST('x' AS INT)</c>) is reported at plan time with its span.
    /// </summary>
    public static BoundExpr BindCast(BoundExpr input, DataType target, bool isTry, SourceSpan span = default)
    {
        if (!TypeRules.CanCast(input.Type, target))
        {
            throw new UserException($"cannot cast {input.Type} to {target}", span.IsKnown ? span : input.Span);
        }
        if (input.Type == target && !isTry) return input;
        var cast = new CastExpr(input, target, isTry, span);
        return input is Literal ? Fold(cast, span) : cast;
    }

    /// <summary>
    /// Casts <paramref name="expr"/> to <paramref name="target"/> if it is not already of that type
    /// (implicit casts inserted by binding; literals are converted in place).
    /// </summary>
    public static BoundExpr CastTo(BoundExpr expr, DataType target)
    {
        if (expr.Type == target) return expr;
        if (expr.Type.Kind == TypeKind.Utf8 && target.Kind == TypeKind.Utf8 && expr is not Literal)
        {
            // TEXT and JSON share a representation; only the label changes.
            return new CastExpr(expr, target, false, expr.Span);
        }
        if (!TypeRules.CanCast(expr.Type, target))
        {
            throw new UserException($"cannot coerce {expr.Type} to {target}", expr.Span);
        }
        var cast = new CastExpr(expr, target, false, expr.Span);
        return expr is Literal ? Fold(cast, expr.Span) : cast;
    }

    public static BoundExpr BindUnary(UnaryOp op, BoundExpr input, SourceSpan span = default)
    {
        switch (op)
        {
            case UnaryOp.Not:
                input = RequireBoolean(input, "NOT", span);
                return new UnaryExpr(op, input, DataType.Boolean, input.Nullable, span);
            case UnaryOp.Negate:
                if (input.Type.Kind == TypeKind.Null) return input;
                if (!input.Type.IsNumeric && input.Type.Kind != TypeKind.Interval)
                {
                    throw new UserException($"cannot negate a value of type {input.Type}", span);
                }
                if (input is Literal { Value: not null } lit) return Fold(new UnaryExpr(op, lit, lit.Type, false, span), span);
                return new UnaryExpr(op, input, input.Type, input.Nullable, span);
            case UnaryOp.BitwiseNot:
                if (!input.Type.IsInteger) throw new UserException($"cannot apply ~ to a value of type {input.Type}", span);
                return new UnaryExpr(op, input, input.Type, input.Nullable, span);
            case UnaryOp.IsNull or UnaryOp.IsNotNull:
                return new UnaryExpr(op, input, DataType.Boolean, false, span);
            default:
                input = RequireBoolean(input, "IS TRUE/FALSE/UNKNOWN", span);
                return new UnaryExpr(op, input, DataType.Boolean, false, span);
        }
    }

    /// <param name="functions">The registry array <c>||</c> binds <c>array_concat</c> through (null: arrays are refused).</param>
    public static BoundExpr BindBinary(BinaryOp op, BoundExpr left, BoundExpr right, SourceSpan span = default, FunctionRegistry? functions = null) =>
        BinaryBinder.Bind(op, left, right, span, functions);

    /// <summary><c>input [NOT] IN (list)</c>: all items are coerced to one comparison type.</summary>
    public static BoundExpr BindInList(BoundExpr input, IReadOnlyList<BoundExpr> list, bool negated, SourceSpan span = default)
    {
        var type = input.Type;
        foreach (var item in list)
        {
            type = TypeRules.ComparisonCommon(type, item.Type)
                   ?? throw new UserException($"IN list item of type {item.Type} cannot be compared with {input.Type}", item.Span.IsKnown ? item.Span : span);
        }
        return new InListExpr(CastTo(input, type), list.Select(e => CastTo(e, type)).ToArray(), negated, span);
    }

    /// <summary><c>x [NOT] BETWEEN low AND high</c> as <c>x &gt;= low AND x &lt;= high</c> (negated: <c>x &lt; low OR x &gt; high</c>).</summary>
    public static BoundExpr BindBetween(BoundExpr input, BoundExpr low, BoundExpr high, bool negated, SourceSpan span = default) =>
        negated
            ? BindBinary(BinaryOp.Or, BindBinary(BinaryOp.Less, input, low, span), BindBinary(BinaryOp.Greater, input, high, span), span)
            : BindBinary(BinaryOp.And, BindBinary(BinaryOp.GreaterOrEqual, input, low, span), BindBinary(BinaryOp.LessOrEqual, input, high, span), span);

    /// <summary>
    /// A CASE expression: the operand and the WHEN values are coerced to one comparison type
    /// (or WHENs must be BOOLEAN without an operand); THEN/ELSE to their common type.
    /// </summary>
    public static BoundExpr BindCase(BoundExpr? operand, IReadOnlyList<(BoundExpr When, BoundExpr Then)> branches, BoundExpr? otherwise, SourceSpan span = default)
    {
        if (branches.Count == 0) throw new UserException("CASE needs at least one WHEN", span);
        var whens = branches.Select(b => b.When).ToArray();
        if (operand is not null)
        {
            var cmp = operand.Type;
            foreach (var w in whens)
            {
                cmp = TypeRules.ComparisonCommon(cmp, w.Type)
                      ?? throw new UserException($"CASE value of type {w.Type} cannot be compared with {operand.Type}", w.Span.IsKnown ? w.Span : span);
            }
            operand = CastTo(operand, cmp);
            for (var i = 0; i < whens.Length; i++) whens[i] = CastTo(whens[i], cmp);
        }
        else
        {
            for (var i = 0; i < whens.Length; i++) whens[i] = RequireBoolean(whens[i], "CASE WHEN", whens[i].Span.IsKnown ? whens[i].Span : span);
        }
        var values = branches.Select(b => b.Then).ToList();
        if (otherwise is not null) values.Add(otherwise);
        var type = CommonType(values.Select(v => v.Type))
                   ?? throw new UserException($"CASE branches have incompatible types: {string.Join(", ", values.Select(v => v.Type).Distinct())}", span);
        var bound = new (BoundExpr, BoundExpr)[branches.Count];
        for (var i = 0; i < bound.Length; i++) bound[i] = (whens[i], CastTo(branches[i].Then, type));
        var elseExpr = otherwise is null ? null : CastTo(otherwise, type);
        var nullable = elseExpr is null || elseExpr.Nullable || bound.Any(b => b.Item2.Nullable);
        return new CaseExpr(operand, bound, elseExpr, type, nullable, span);
    }

    /// <summary>Requires a BOOLEAN (NULL literals become BOOLEAN NULL).</summary>
    public static BoundExpr RequireBoolean(BoundExpr expr, string context, SourceSpan span = default)
    {
        if (expr.Type.Kind == TypeKind.Boolean) return expr;
        if (expr.Type.Kind == TypeKind.Null) return CastTo(expr, DataType.Boolean);
        throw new UserException($"{context} expects a BOOLEAN, got {expr.Type}", span.IsKnown ? span : expr.Span);
    }

    /// <summary>
    /// Evaluates a constant expression now and returns it as a literal. Only a registry's
    /// <see cref="FunctionRegistry.BindCall"/> folds function calls (and gives itself); every
    /// other constant subtree holds none, since calls in it were folded when they were bound.
    /// </summary>
    internal static Literal Fold(BoundExpr expr, SourceSpan span, FunctionRegistry? functions = null)
    {
        try
        {
            return new Literal(ExprCompiler.EvaluateConstant(expr, functions), expr.Type, span.IsKnown ? span : expr.Span);
        }
        catch (DataException e)
        {
            throw new UserException(e.Message, span.IsKnown ? span : expr.Span);
        }
    }
}
