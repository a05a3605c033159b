using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Binding;

/// <summary>
/// Stands for a value computed by a later operator (an aggregate, a window function, an
/// unnest or a window struct) while a select item is bound; replaced by a column reference
/// once that operator's output layout is known. Volatile so binding never constant-folds it.
/// </summary>
internal sealed record Placeholder(string Kind, int Slot, DataType PlaceholderType, string Display, SourceSpan PlaceholderSpan = default)
    : BoundExpr(PlaceholderType, true, PlaceholderSpan)
{
    public override IEnumerable<BoundExpr> Children => [];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this;

    public override bool IsVolatile => true;

    public override string ToString() => Display;
}
