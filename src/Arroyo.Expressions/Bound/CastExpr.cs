using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// CAST / TRY_CAST (and the binder's implicit casts). A failed CAST raises
/// <see cref="DataException"/>; a failed TRY_CAST yields NULL.
/// </summary>
public sealed record CastExpr(BoundExpr Input, DataType Target, bool IsTry = false, SourceSpan Span = default)
    : BoundExpr(Target, Input.Nullable || IsTry, Span)
{
    public override IEnumerable<BoundExpr> Children => [Input];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this with { Input = children[0] };

    public override string ToString() => $"{(IsTry ? "TRY_CAST" : "CAST")}({Input} AS {Target})";
}
