using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Bound;

/// <summary>
/// <c>CASE [operand] WHEN … THEN … [ELSE …] END</c>. With an operand, each When is compared
/// for equality with it (already coerced to a common type); without one, each When is a
/// BOOLEAN condition. Every Then and the Else already have <see cref="BoundExpr.Type"/>;
/// a missing Else is NULL. Bind it with <see cref="Binding.Coercion.BindCase"/>.
/// </summary>
public sealed record CaseExpr(
    BoundExpr? Operand,
    IReadOnlyList<(BoundExpr When, BoundExpr Then)> Branches,
    BoundExpr? Else,
    DataType Type,
    bool Nullable = true,
    SourceSpan Span = default)
    : BoundExpr(Type, Nullable, Span)
{
    public override IEnumerable<BoundExpr> Children
    {
        get
        {
            if (Operand is not null) yield return Operand;
            foreach (var (when, then) in Branches)
            {
                yield return when;
                yield return then;
            }
            if (Else is not null) yield return Else;
        }
    }

    public override BoundExpr WithChildren(IReadOnlyList<BoundExpr> children)
    {
        var k = 0;
        var operand = Operand is null ? null : children[k++];
        var branches = new (BoundExpr, BoundExpr)[Branches.Count];
        for (var i = 0; i < branches.Length; i++) branches[i] = (children[k++], children[k++]);
        var otherwise = Else is null ? null : children[k];
        return this with { Operand = operand, Branches = branches, Else = otherwise };
    }

    public override string ToString()
    {
        var text = new System.Text.StringBuilder("CASE");
        if (Operand is not null) text.Append(' ').Append(Operand);
        foreach (var (when, then) in Branches) text.Append(" WHEN ").Append(when).Append(" THEN ").Append(then);
        if (Else is not null) text.Append(" ELSE ").Append(Else);
        return text.Append(" END").ToString();
    }
}
