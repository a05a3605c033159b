using Arroyo.Core.Errors;

namespace Arroyo.Sql.Ast;

/// <summary>Base of top-level statements. A statement's span excludes its terminating ';'.</summary>
public abstract record Statement(SourceSpan Span) : SqlNode(Span);

/// <summary>A bare query run for its output (Arroyo sends it to the preview/stdout sink).</summary>
public sealed record QueryStatement(Query Query, SourceSpan Span) : Statement(Span);

/// <summary><c>INSERT INTO name [(cols)] query</c>.</summary>
/// <summary><c>EXPLAIN</c> before a SELECT or an INSERT: plan the script and print its dataflow graph instead of running it.</summary>
public sealed record ExplainStatement(Statement Statement, SourceSpan Span) : Statement(Span);

public sealed record InsertStatement(ObjectName Table, IReadOnlyList<Identifier> Columns, Query Source, SourceSpan Span) : Statement(Span);

/// <summary><c>CREATE [OR REPLACE] VIEW name [(cols)] AS query</c>.</summary>
public sealed record CreateViewStatement(ObjectName Name, IReadOnlyList<Identifier> Columns, Query Query, bool OrReplace, SourceSpan Span) : Statement(Span);

/// <summary><c>SET name = value</c>, e.g. <c>SET updating_ttl = INTERVAL '5' SECOND</c>.</summary>
public sealed record SetStatement(ObjectName Name, Expr Value, SourceSpan Span) : Statement(Span);

/// <summary>
/// <c>CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name [(columns, constraints)] [WITH (options)]
/// [PARTITIONED BY (exprs)]</c>, or <c>CREATE TABLE name AS query</c> (then <see cref="AsQuery"/> is set).
/// </summary>
/// <param name="HasColumnList">True when a parenthesized column list was written (even if empty),
/// which Arroyo uses to tell "schema given" from "infer the schema".</param>
public sealed record CreateTableStatement(
    ObjectName Name,
    bool IfNotExists,
    bool Temporary,
    bool HasColumnList,
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<TableConstraint> Constraints,
    IReadOnlyList<SqlOption> Options,
    IReadOnlyList<Expr> PartitionedBy,
    Query? AsQuery,
    SourceSpan Span) : Statement(Span);

public enum Nullability
{
    Unspecified,
    NotNull,
    Null,
}

/// <summary>
/// One column: <c>name TYPE [NOT NULL | NULL] [PRIMARY KEY]
/// [GENERATED ALWAYS AS (expr) [STORED]] [METADATA FROM 'key']</c> (clauses in any order).
/// </summary>
/// <param name="GeneratedAs">The expression of a virtual (computed) column, else null.</param>
/// <param name="MetadataKey">The connector metadata key of a metadata column, else null.</param>
public sealed record ColumnDefinition(
    Identifier Name,
    TypeName Type,
    Nullability Nullability,
    bool PrimaryKey,
    Expr? GeneratedAs,
    bool Stored,
    StringLiteral? MetadataKey,
    SourceSpan Span) : SqlNode(Span);

public abstract record TableConstraint(SourceSpan Span) : SqlNode(Span);

/// <summary>Table-level <c>PRIMARY KEY (a, b)</c>.</summary>
public sealed record PrimaryKeyConstraint(IReadOnlyList<Identifier> Columns, SourceSpan Span) : TableConstraint(Span);

/// <summary><c>WATERMARK FOR column [AS expr]</c>; without an expression the watermark is the column itself.</summary>
public sealed record WatermarkConstraint(Identifier Column, Expr? Expression, SourceSpan Span) : TableConstraint(Span);

public enum SqlOptionKind
{
    String,
    Number,
    Boolean,
    Identifier,
    /// <summary>An <see cref="IntervalLiteral"/>, e.g. <c>'rolling_policy.interval' = interval '10 minutes'</c>.</summary>
    Interval,
    /// <summary>A bracketed list such as <c>[type, app_version]</c>; see <see cref="ArrayExpr"/>.</summary>
    Array,
    /// <summary>Anything else (e.g. a negative number); read <see cref="SqlOption.Value"/>.</summary>
    Expression,
}

/// <summary>
/// One <c>key = value</c> in WITH (...).
/// </summary>
/// <param name="Key">The key as written with quotes removed: <c>json.unstructured</c> whether it was
/// dotted identifiers or a quoted string. Unquoted identifier parts are lower-cased.</param>
/// <param name="Kind">What the value looked like.</param>
/// <param name="Text">Raw value text: string contents (unescaped), number text, "true"/"false",
/// identifier value, interval literal source text; for arrays and expressions the source text.</param>
/// <param name="Value">The value as an expression, for callers that need more than text.</param>
public sealed record SqlOption(string Key, SourceSpan KeySpan, SqlOptionKind Kind, string Text, Expr Value, SourceSpan Span) : SqlNode(Span);

/// <summary>One parameter of <see cref="CreateFunctionStatement"/>: <c>name TYPE</c>.</summary>
public sealed record FunctionParameter(Identifier Name, TypeName Type, SourceSpan Span) : SqlNode(Span);

/// <summary>
/// <c>CREATE FUNCTION name(param TYPE, …) RETURNS TYPE LANGUAGE lang AS $$ body $$</c>: a user
/// function written in the query. The planner leaves it to whoever compiles functions of
/// <see cref="Language"/> (the C# UDF compiler); <see cref="Body"/> is the text between the
/// quotes, starting at <see cref="BodySpan"/>'s offset + 2 (after <c>$$</c>) or + 1 (after <c>'</c>).
/// </summary>
public sealed record CreateFunctionStatement(
    Identifier Name,
    IReadOnlyList<FunctionParameter> Parameters,
    TypeName Returns,
    Identifier Language,
    string Body,
    SourceSpan BodySpan,
    SourceSpan Span) : Statement(Span);
