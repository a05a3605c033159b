using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary><c>s.field</c>: field <paramref name="FieldIndex"/> of a STRUCT-typed expression (NULL when the struct is NULL).</summary>
public sealed record FieldAccess(BoundExpr Struct, int FieldIndex, SourceSpan Span = default)
    : BoundExpr(Struct.Type.Fields[FieldIndex].Type, Struct.Nullable || Struct.Type.Fields[FieldIndex].Nullable, Span)
{
    public string FieldName => Struct.Type.Fields[FieldIndex].Name;

    public override IEnumerable<BoundExpr> Children => [Struct];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this with { Struct = children[0] };

    public override string ToString() => $"{Struct}.{FieldName}";
}
