using Arroyo.Core.Errors;

namespace Arroyo.Sql.Ast;

/// <summary>
/// Base of every AST node. <see cref="Span"/> covers the node's source text so later phases
/// (binder, planner) can point their errors at the exact place in the user's SQL.
/// </summary>
/// <remarks>
/// Nodes are immutable records. Lists are exposed as <see cref="IReadOnlyList{T}"/> and never
/// null (empty when absent). Record equality on lists is by reference, so compare ASTs
/// structurally in tests through their properties, not with <c>==</c>.
/// </remarks>
public abstract record SqlNode(SourceSpan Span);

/// <summary>
/// One identifier. <see cref="Value"/> is what name resolution should use: unquoted identifiers
/// are folded to lower case (PostgreSQL rules), quoted ones ("x" or `x`) are kept exactly.
/// <see cref="Original"/> is the spelling as written (without quotes) for error messages.
/// </summary>
public sealed record Identifier(string Value, string Original, bool Quoted, SourceSpan Span) : SqlNode(Span)
{
    public override string ToString() => Quoted ? $"\"{Value.Replace("\"", "\"\"")}\"" : Value;
}

/// <summary>A possibly qualified name such as <c>t</c>, <c>schema.t</c> or a function name.</summary>
public sealed record ObjectName(IReadOnlyList<Identifier> Parts, SourceSpan Span) : SqlNode(Span)
{
    /// <summary>The last part: the table, view or function itself.</summary>
    public Identifier Last => Parts[^1];

    /// <summary>Normalized parts joined by '.'.</summary>
    public string Value => string.Join('.', Parts.Select(p => p.Value));

    public override string ToString() => string.Join('.', Parts.Select(p => p.ToString()));
}
