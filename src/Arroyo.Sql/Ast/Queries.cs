using Arroyo.Core.Errors;

namespace Arroyo.Sql.Ast;

/// <summary>
/// A full query: optional WITH, a body (SELECT, set operation, VALUES or parenthesized query),
/// then ORDER BY / LIMIT / OFFSET that apply to the whole body.
/// </summary>
public sealed record Query(
    IReadOnlyList<CommonTableExpression> With,
    QueryBody Body,
    IReadOnlyList<OrderByItem> OrderBy,
    Expr? Limit,
    Expr? Offset,
    SourceSpan Span) : SqlNode(Span);

/// <summary><c>name [(col, ...)] AS (query)</c> inside WITH.</summary>
public sealed record CommonTableExpression(Identifier Name, IReadOnlyList<Identifier> Columns, Query Query, SourceSpan Span) : SqlNode(Span);

/// <summary>Base of the things a query body can be.</summary>
public abstract record QueryBody(SourceSpan Span) : SqlNode(Span);

/// <summary>One SELECT block.</summary>
/// <param name="From">Comma-separated FROM items (each may be a join tree); empty when there is no FROM.</param>
/// <param name="GroupBy">GROUP BY expressions; ordinals stay as <see cref="NumberLiteral"/> for the binder.</param>
public sealed record Select(
    bool Distinct,
    IReadOnlyList<SelectItem> Projection,
    IReadOnlyList<TableRef> From,
    Expr? Where,
    IReadOnlyList<Expr> GroupBy,
    Expr? Having,
    SourceSpan Span) : QueryBody(Span);

public enum SetOperator
{
    Union,
    Intersect,
    Except,
}

/// <summary><c>left UNION [ALL | DISTINCT] right</c> (also INTERSECT, EXCEPT).</summary>
public sealed record SetOperation(SetOperator Operator, bool All, QueryBody Left, QueryBody Right, SourceSpan Span) : QueryBody(Span)
{
    /// <summary>The operator keyword(s), e.g. <c>UNION ALL</c>: where errors about the operation point.</summary>
    public SourceSpan OperatorSpan { get; init; }
}

/// <summary>A parenthesized query used as a body, e.g. <c>(SELECT ... LIMIT 1) UNION ...</c>.</summary>
public sealed record NestedQueryBody(Query Query, SourceSpan Span) : QueryBody(Span);

/// <summary><c>VALUES (a, b), (c, d)</c>.</summary>
public sealed record ValuesBody(IReadOnlyList<IReadOnlyList<Expr>> Rows, SourceSpan Span) : QueryBody(Span);

// ---------------------------------------------------------------- select items

public abstract record SelectItem(SourceSpan Span) : SqlNode(Span);

/// <summary><c>expr [[AS] alias]</c>.</summary>
public sealed record ExprSelectItem(Expr Expression, Identifier? Alias, SourceSpan Span) : SelectItem(Span);

/// <summary><c>*</c> (Qualifier null) or <c>t.*</c>.</summary>
public sealed record WildcardSelectItem(ObjectName? Qualifier, SourceSpan Span) : SelectItem(Span);

/// <summary><c>expr [ASC | DESC] [NULLS FIRST | LAST]</c>; nulls mean "not written".</summary>
public sealed record OrderByItem(Expr Expression, bool? Ascending, bool? NullsFirst, SourceSpan Span) : SqlNode(Span);

// ---------------------------------------------------------------- FROM

/// <summary><c>[AS] alias [(col, ...)]</c> after a FROM item.</summary>
public sealed record TableAlias(Identifier Name, IReadOnlyList<Identifier> Columns, SourceSpan Span) : SqlNode(Span);

public abstract record TableRef(SourceSpan Span) : SqlNode(Span);

/// <summary>A table or view by name.</summary>
public sealed record NamedTableRef(ObjectName Name, TableAlias? Alias, SourceSpan Span) : TableRef(Span);

/// <summary><c>(SELECT ...) [AS] alias</c>; Arroyo allows the alias to be omitted.</summary>
public sealed record DerivedTableRef(Query Subquery, TableAlias? Alias, SourceSpan Span) : TableRef(Span);

/// <summary>A table function in FROM such as <c>unnest(...)</c>.</summary>
public sealed record TableFunctionRef(FunctionCall Function, TableAlias? Alias, SourceSpan Span) : TableRef(Span);

public enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

/// <summary>
/// <c>left [kind] JOIN right [ON cond | USING (cols)]</c>. Joins are left-deep:
/// <c>a JOIN b JOIN c</c> is <c>(a JOIN b) JOIN c</c>. CROSS JOIN has neither On nor Using.
/// </summary>
public sealed record JoinTableRef(
    JoinKind Kind,
    TableRef Left,
    TableRef Right,
    Expr? On,
    IReadOnlyList<Identifier> Using,
    bool Natural,
    SourceSpan Span) : TableRef(Span);
