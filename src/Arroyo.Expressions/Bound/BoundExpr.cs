using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// A type-checked scalar expression over the columns of one input schema. Produced by the
/// planner's binder (through <see cref="Binding.FunctionRegistry"/> and <see cref="Binding.Coercion"/>,
/// which insert implicit casts and compute result types), printed by EXPLAIN through
/// <see cref="object.ToString"/>, and turned into a batch kernel by <see cref="Compilation.ExprCompiler"/>.
/// Nodes are immutable; rewrite them with <see cref="BoundExprExtensions.Transform"/>.
/// </summary>
/// <param name="Type">The result type.</param>
/// <param name="Nullable">False only when the result can never be NULL (lets kernels skip validity work).</param>
/// <param name="Span">Where the expression is in the SQL text, for errors raised while binding.</param>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.BoundExprJsonConverter))]
public abstract record BoundExpr(DataType Type, bool Nullable, SourceSpan Span)
{
    /// <summary>The direct sub-expressions, in evaluation order.</summary>
    public abstract IEnumerable<BoundExpr> Children { get; }

    /// <summary>A copy with <see cref="Children"/> replaced by <paramref name="children"/> (same count and order).</summary>
    public abstract BoundExpr WithChildren(IReadOnlyList<BoundExpr> children);

    /// <summary>True when evaluation gives a different answer each time (now(), random(), uuid()).</summary>
    public virtual bool IsVolatile => Children.Any(c => c.IsVolatile);

    /// <summary>True when the expression reads no column (it can be folded to a literal).</summary>
    public bool IsConstant => this is not ColumnRef && !IsVolatile && Children.All(c => c.IsConstant);
}
