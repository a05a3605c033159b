using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

public enum UnaryOp
{
    /// <summary>Three-valued NOT (NOT NULL = NULL).</summary>
    Not,
    Negate,
    BitwiseNot,
    IsNull,
    IsNotNull,
    IsTrue,
    IsNotTrue,
    IsFalse,
    IsNotFalse,
    /// <summary><c>IS UNKNOWN</c> on a boolean (same as IS NULL).</summary>
    IsUnknown,
    IsNotUnknown,
}

/// <summary>A prefix or postfix operator. Bind with <see cref="Binding.Coercion.BindUnary"/>.</summary>
public sealed record UnaryExpr(UnaryOp Op, BoundExpr Input, DataType Type, bool Nullable = true, SourceSpan Span = default)
    : BoundExpr(Type, Nullable, Span)
{
    public override IEnumerable<BoundExpr> Children => [Input];

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children) => this with { Input = children[0] };

    public override string ToString() => Op switch
    {
        UnaryOp.Not => $"NOT {Input}",
        UnaryOp.Negate => $"(- {Input})",
        UnaryOp.BitwiseNot => $"(~ {Input})",
        UnaryOp.IsNull => $"{Input} IS NULL",
        UnaryOp.IsNotNull => $"{Input} IS NOT NULL",
        UnaryOp.IsTrue => $"{Input} IS TRUE",
        UnaryOp.IsNotTrue => $"{Input} IS NOT TRUE",
        UnaryOp.IsFalse => $"{Input} IS FALSE",
        UnaryOp.IsNotFalse => $"{Input} IS NOT FALSE",
        UnaryOp.IsUnknown => $"{Input} IS UNKNOWN",
        UnaryOp.IsNotUnknown => $"{Input} IS NOT UNKNOWN",
        _ => $"{Op}({Input})",
    };
}
