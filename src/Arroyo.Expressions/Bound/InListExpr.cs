using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// <c>Input [NOT] IN (List…)</c>, with every list item already cast to Input's type (see
/// <see cref="Binding.Coercion.BindInList"/>). SQL semantics: no match and a NULL in the
/// list gives NULL, not false.
/// </summary>
public sealed record InListExpr(BoundExpr Input, IReadOnlyList<BoundExpr> List, bool Negated, SourceSpan Span = default)
    : BoundExpr(DataType.Boolean, Input.Nullable || List.Any(e => e.Nullable), Span)
{
    public override IEnumerable<BoundExpr> Children => List.Prepend(Input);

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) =>
        this with { Input = children[0], List = children.Skip(1).ToArray() };

    public override string ToString() => $"{Input} {(Negated ? "NOT IN" : "IN")} ({string.Join(", ", List)})";
}
