using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// A call of a resolved scalar function overload. Build it with
/// <see cref="Binding.FunctionRegistry.BindCall"/>, which has already cast every argument
/// to the type the overload expects. <paramref name="Function"/> names the overload; the
/// compiler finds its implementation in the registry it is given.
/// </summary>
public sealed record ScalarCall(FunctionRef Function, IReadOnlyList<BoundExpr> Args, DataType Type, bool Nullable = true, SourceSpan Span = default)
    : BoundExpr(Type, Nullable, Span)
{
    public override IEnumerable<BoundExpr> Children => Args;

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this with { Args = children.ToArray() };

    public override bool IsVolatile => Function.IsVolatile || Args.Any(a => a.IsVolatile);

    public override string ToString() => $"{Function.Name}({string.Join(", ", Args)})";
}
