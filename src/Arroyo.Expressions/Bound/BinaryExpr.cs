using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// <c>Left op Right</c>. Bind with <see cref="Binding.Coercion.BindBinary"/>, which casts the
/// operands to the types the operator's kernel expects (both sides the same type, except
/// timestamp/interval arithmetic and the JSON operators) and computes <see cref="BoundExpr.Type"/>.
/// </summary>
public sealed record BinaryExpr(BinaryOp Op, BoundExpr Left, BoundExpr Right, DataType Type, bool Nullable = true, SourceSpan Span = default)
    : BoundExpr(Type, Nullable, Span)
{
    public override IEnumerable<BoundExpr> Children => [Left, Right];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this with { Left = children[0], Right = children[1] };

    public override string ToString() => $"({Left} {Op.Symbol()} {Right})";
}
