using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>Column <paramref name="Index"/> of the input batch; <paramref name="Name"/> is for display only.</summary>
public sealed record ColumnRef(int Index, string Name, DataType Type, bool Nullable = true, SourceSpan Span = default)
    : BoundExpr(Type, Nullable, Span)
{
    public override IEnumerable<BoundExpr> Children => [];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this;

    public override bool IsVolatile => false;

    public override string ToString() => Name;
}
