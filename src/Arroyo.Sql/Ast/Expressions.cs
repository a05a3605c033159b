using Arroyo.Core.Errors;

namespace Arroyo.Sql.Ast;

/// <summary>Base of all scalar expressions. Parentheses are not kept as nodes; instead the span
/// of a parenthesized expression is widened to include its parentheses.</summary>
public abstract record Expr(SourceSpan Span) : SqlNode(Span);

// ---------------------------------------------------------------- names

/// <summary>An unqualified name: usually a column, resolved by the binder.</summary>
public sealed record IdentifierExpr(Identifier Name, SourceSpan Span) : Expr(Span);

/// <summary>
/// A dotted name <c>a.b.c</c>. The parser cannot tell table qualifiers from struct field access
/// (<c>window.start</c>, <c>t.x.b</c>), so the binder decides which prefix names a relation.
/// </summary>
public sealed record CompoundIdentifierExpr(IReadOnlyList<Identifier> Parts, SourceSpan Span) : Expr(Span);

/// <summary>
/// <c>*</c> or <c>t.*</c>. Valid only as a select item (the parser turns it into a
/// <see cref="WildcardSelectItem"/>) or as a function argument (<c>count(*)</c>).
/// </summary>
public sealed record WildcardExpr(ObjectName? Qualifier, SourceSpan Span) : Expr(Span);

// ---------------------------------------------------------------- literals

/// <summary>A numeric literal kept as written so the binder can choose the type (big integers, decimals).</summary>
/// <param name="Text">Source text, e.g. "10", "0.5", "1e3".</param>
/// <param name="IsInteger">True when the text has no '.', and no exponent.</param>
public sealed record NumberLiteral(string Text, bool IsInteger, SourceSpan Span) : Expr(Span);

/// <summary>A string literal; <see cref="Value"/> has quotes removed and escapes resolved.</summary>
public sealed record StringLiteral(string Value, SourceSpan Span) : Expr(Span);

/// <summary><c>X'0aff'</c>: a binary value; <see cref="Value"/> holds the decoded bytes.</summary>
public sealed record HexStringLiteral(byte[] Value, SourceSpan Span) : Expr(Span);

public sealed record BooleanLiteral(bool Value, SourceSpan Span) : Expr(Span);

public sealed record NullLiteral(SourceSpan Span) : Expr(Span);

/// <summary>
/// <c>INTERVAL '1' HOUR</c>, <c>INTERVAL '10 seconds'</c>, <c>INTERVAL '1 day 2 hours'</c>,
/// <c>INTERVAL '1' DAY TO SECOND</c>. Kept raw; the binder interprets it.
/// </summary>
/// <param name="Value">The quoted text (or the raw number for <c>INTERVAL 5 SECOND</c>).</param>
/// <param name="LeadingUnit">Lower-case unit after the value ("hour", "second"), or null.</param>
/// <param name="TrailingUnit">Lower-case unit after TO, or null.</param>
public sealed record IntervalLiteral(string Value, string? LeadingUnit, string? TrailingUnit, SourceSpan Span) : Expr(Span);

/// <summary><c>TIMESTAMP '2023-01-01 00:00:00'</c>, <c>DATE '2023-01-01'</c>, <c>TIME '...'</c>.</summary>
public sealed record TypedStringLiteral(TypeName Type, string Value, SourceSpan Span) : Expr(Span);

/// <summary><c>ARRAY[1, 2]</c> or <c>[1, 2]</c>.</summary>
public sealed record ArrayExpr(IReadOnlyList<Expr> Elements, SourceSpan Span) : Expr(Span);

/// <summary><c>ROW(a, b)</c> or a parenthesized tuple <c>(a, b)</c>.</summary>
public sealed record RowExpr(IReadOnlyList<Expr> Elements, SourceSpan Span) : Expr(Span);

// ---------------------------------------------------------------- operators

public enum UnaryOperator
{
    Not,
    Minus,
    Plus,
    BitwiseNot,
}

public enum BinaryOperator
{
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Plus,
    Minus,
    Multiply,
    Divide,
    Modulo,
    /// <summary><c>||</c></summary>
    StringConcat,
    /// <summary><c>-&gt;</c>: JSON field/element, result JSON.</summary>
    Arrow,
    /// <summary><c>-&gt;&gt;</c>: JSON field/element, result text.</summary>
    LongArrow,
    /// <summary><c>?</c>: JSON key exists.</summary>
    Question,
    BitwiseAnd,
    BitwiseOr,
    /// <summary><c>#</c> or <c>^</c> (DataFusion treats <c>^</c> as XOR).</summary>
    BitwiseXor,
    ShiftLeft,
    ShiftRight,
    /// <summary><c>~</c></summary>
    RegexMatch,
    /// <summary><c>~*</c></summary>
    RegexIMatch,
    /// <summary><c>!~</c></summary>
    RegexNotMatch,
    /// <summary><c>!~*</c></summary>
    RegexNotIMatch,
    /// <summary><c>@&gt;</c>: the left array holds every element of the right one.</summary>
    AtArrow,
    /// <summary><c>&lt;@</c>: every element of the left array is in the right one.</summary>
    ArrowAt,
    /// <summary><c>&lt;=&gt;</c>: null-safe equality, IS NOT DISTINCT FROM.</summary>
    Spaceship,
    /// <summary><c>~~</c>: LIKE.</summary>
    LikeMatch,
    /// <summary><c>~~*</c>: ILIKE.</summary>
    ILikeMatch,
    /// <summary><c>!~~</c>: NOT LIKE.</summary>
    NotLikeMatch,
    /// <summary><c>!~~*</c>: NOT ILIKE.</summary>
    NotILikeMatch,
}

public sealed record UnaryExpr(UnaryOperator Operator, Expr Operand, SourceSpan Span) : Expr(Span);

/// <summary>A binary operator; <see cref="OperatorSpan"/> points at the operator token itself.</summary>
public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right, SourceSpan OperatorSpan, SourceSpan Span) : Expr(Span);

/// <summary><c>x IS [NOT] NULL</c>.</summary>
public sealed record IsNullExpr(Expr Operand, bool Negated, SourceSpan Span) : Expr(Span);

/// <summary><c>x IS [NOT] TRUE</c> / <c>FALSE</c>; <see cref="Value"/> null means <c>IS [NOT] UNKNOWN</c>.</summary>
public sealed record IsBooleanExpr(Expr Operand, bool? Value, bool Negated, SourceSpan Span) : Expr(Span);

/// <summary><c>a IS [NOT] DISTINCT FROM b</c>.</summary>
public sealed record IsDistinctFromExpr(Expr Left, Expr Right, bool Negated, SourceSpan Span) : Expr(Span);

/// <summary><c>x [NOT] IN (a, b, c)</c>.</summary>
public sealed record InListExpr(Expr Operand, IReadOnlyList<Expr> List, bool Negated, SourceSpan Span) : Expr(Span);

/// <summary><c>x [NOT] IN (SELECT ...)</c>.</summary>
public sealed record InSubqueryExpr(Expr Operand, Query Subquery, bool Negated, SourceSpan Span) : Expr(Span);

/// <summary><c>x [NOT] BETWEEN low AND high</c>.</summary>
public sealed record BetweenExpr(Expr Operand, Expr Low, Expr High, bool Negated, SourceSpan Span) : Expr(Span);

public enum LikeKind
{
    Like,
    ILike,
    SimilarTo,
}

/// <summary><c>x [NOT] LIKE | ILIKE | SIMILAR TO pattern [ESCAPE 'c']</c>.</summary>
public sealed record LikeExpr(LikeKind Kind, Expr Operand, Expr Pattern, Expr? Escape, bool Negated, SourceSpan Span) : Expr(Span);

// ---------------------------------------------------------------- special forms

public enum CastKind
{
    /// <summary><c>CAST(x AS t)</c></summary>
    Cast,
    /// <summary><c>TRY_CAST(x AS t)</c>: null instead of an error.</summary>
    TryCast,
    /// <summary><c>x::t</c></summary>
    DoubleColon,
}

public sealed record CastExpr(Expr Operand, TypeName Type, CastKind Kind, SourceSpan Span) : Expr(Span);

/// <summary><c>CASE [operand] WHEN .. THEN .. [ELSE ..] END</c>.</summary>
public sealed record CaseExpr(Expr? Operand, IReadOnlyList<CaseWhen> Whens, Expr? Else, SourceSpan Span) : Expr(Span);

public sealed record CaseWhen(Expr Condition, Expr Result, SourceSpan Span) : SqlNode(Span);

/// <summary><c>EXTRACT(field FROM source)</c>; <see cref="Field"/> is lower case ("epoch", "hour").</summary>
public sealed record ExtractExpr(string Field, Expr Source, SourceSpan FieldSpan, SourceSpan Span) : Expr(Span);

/// <summary><c>POSITION(needle IN haystack)</c>.</summary>
public sealed record PositionExpr(Expr Needle, Expr Haystack, SourceSpan Span) : Expr(Span);

/// <summary><c>SUBSTRING(x FROM a FOR b)</c> (the comma form is an ordinary function call).</summary>
public sealed record SubstringExpr(Expr Operand, Expr? From, Expr? For, SourceSpan Span) : Expr(Span);

public enum TrimWhere
{
    Both,
    Leading,
    Trailing,
}

/// <summary><c>TRIM([BOTH|LEADING|TRAILING] [chars] FROM x)</c> or <c>TRIM(x)</c>.</summary>
public sealed record TrimExpr(TrimWhere Where, Expr? Characters, Expr Operand, SourceSpan Span) : Expr(Span);

/// <summary><c>target[index]</c>; SQL arrays are 1-based, which the binder handles.</summary>
public sealed record SubscriptExpr(Expr Target, Expr Index, SourceSpan Span) : Expr(Span);

/// <summary>
/// <c>target[lower:upper]</c> or <c>target[lower:upper:stride]</c>: an array slice, 1-based and
/// inclusive like array_slice. Bounds left out are null (the binder decides whether that is allowed).
/// </summary>
public sealed record SliceExpr(Expr Target, Expr? Lower, Expr? Upper, Expr? Stride, SourceSpan Span) : Expr(Span);

/// <summary><c>(expr).field</c> on something that is not a plain dotted name, e.g. <c>f(x).a</c>.</summary>
public sealed record FieldAccessExpr(Expr Target, Identifier Field, SourceSpan Span) : Expr(Span);

/// <summary>A scalar subquery <c>(SELECT ...)</c> used as an expression.</summary>
public sealed record SubqueryExpr(Query Query, SourceSpan Span) : Expr(Span);

/// <summary><c>[NOT] EXISTS (SELECT ...)</c>.</summary>
public sealed record ExistsExpr(Query Query, bool Negated, SourceSpan Span) : Expr(Span);

public enum GroupingSetKind
{
    GroupingSets,
    Rollup,
    Cube,
}

/// <summary>
/// <c>GROUPING SETS ((a, b), (a), ())</c>, <c>ROLLUP (a, b)</c> or <c>CUBE (a, b)</c> in GROUP BY.
/// For ROLLUP and CUBE each element of <see cref="Sets"/> is one (possibly composite) item.
/// </summary>
public sealed record GroupingSetExpr(GroupingSetKind Kind, IReadOnlyList<IReadOnlyList<Expr>> Sets, SourceSpan Span) : Expr(Span);

// ---------------------------------------------------------------- functions

/// <summary>
/// A function call, aggregate or window function.
/// </summary>
/// <param name="Name">Function name; use <c>Name.Last.Value</c> (lower case unless quoted) for lookup.</param>
/// <param name="Arguments">Arguments; <c>count(*)</c> has one <see cref="WildcardExpr"/>.</param>
/// <param name="Distinct"><c>f(DISTINCT x)</c>.</param>
/// <param name="OrderBy">Ordering inside the call: <c>array_agg(x ORDER BY y)</c>.</param>
/// <param name="WithinGroup"><c>WITHIN GROUP (ORDER BY ...)</c> of ordered-set aggregates.</param>
/// <param name="Filter"><c>FILTER (WHERE cond)</c>.</param>
/// <param name="Over">Window specification after OVER, or null when not a window call.</param>
public sealed record FunctionCall(
    ObjectName Name,
    IReadOnlyList<Expr> Arguments,
    bool Distinct,
    IReadOnlyList<OrderByItem> OrderBy,
    IReadOnlyList<OrderByItem> WithinGroup,
    Expr? Filter,
    WindowSpec? Over,
    SourceSpan Span) : Expr(Span)
{
    /// <summary><c>IGNORE NULLS</c> (true) or <c>RESPECT NULLS</c> (false) after the call; null when neither was written.</summary>
    public bool? IgnoreNulls { get; init; }
}

/// <summary>
/// <c>OVER (PARTITION BY ... ORDER BY ... [frame])</c>, or <c>OVER name</c> (then only
/// <see cref="WindowName"/> is set).
/// </summary>
public sealed record WindowSpec(
    Identifier? WindowName,
    IReadOnlyList<Expr> PartitionBy,
    IReadOnlyList<OrderByItem> OrderBy,
    WindowFrame? Frame,
    SourceSpan Span) : SqlNode(Span);

public enum WindowFrameUnits
{
    Rows,
    Range,
    Groups,
}

/// <summary><c>ROWS|RANGE|GROUPS [BETWEEN] start [AND end]</c>.</summary>
public sealed record WindowFrame(WindowFrameUnits Units, WindowFrameBound Start, WindowFrameBound? End, SourceSpan Span) : SqlNode(Span);

public enum WindowFrameBoundKind
{
    UnboundedPreceding,
    Preceding,
    CurrentRow,
    Following,
    UnboundedFollowing,
}

/// <summary>A frame bound; <see cref="Offset"/> is set for <c>n PRECEDING</c> / <c>n FOLLOWING</c>.</summary>
public sealed record WindowFrameBound(WindowFrameBoundKind Kind, Expr? Offset, SourceSpan Span) : SqlNode(Span);
