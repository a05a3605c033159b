using Arroyo.Core.Errors;
using Arroyo.Connectors;
using Arroyo.Core.Types;
using Arroyo.Planner.Logical;
using Arroyo.Sql.Ast;

namespace Arroyo.Planner.Catalog;

/// <summary>What a name in FROM / INSERT INTO refers to.</summary>
internal abstract class CatalogEntry(string name, SourceSpan span)
{
    public string Name { get; } = name;

    /// <summary>Where the table was declared.</summary>
    public SourceSpan Span { get; } = span;
}

/// <summary>One column of a CREATE TABLE.</summary>
internal sealed record TableColumn(
    string Name,
    DataType Type,
    bool Nullable,
    Expr? GeneratedAs,
    string? MetadataKey,
    bool PrimaryKey,
    SourceSpan Span)
{
    public bool IsVirtual => GeneratedAs is not null;

    public Field ToField() => new(Name, Type, Nullable);
}

/// <summary>A CREATE TABLE with a connector: a source, sink or lookup table.</summary>
internal sealed class DeclaredTable(string name, SourceSpan span) : CatalogEntry(name, span)
{
    public required string Connector { get; init; }

    /// <summary>WITH options, keys as written (lower-cased identifiers), values as text.</summary>
    public required IReadOnlyDictionary<string, string> Options { get; init; }

    public required IReadOnlyDictionary<string, SqlOption> OptionNodes { get; init; }

    /// <summary>From the connector (type option or its only role); null until the table is used.</summary>
    public required TableRole? Role { get; set; }

    /// <summary>The table as its connector bound it (options validated).</summary>
    public required Arroyo.Connectors.ConnectorTable Bound { get; init; }

    /// <summary>Declared columns (physical, metadata and virtual), or the connector's own schema.</summary>
    public required IReadOnlyList<TableColumn> Columns { get; init; }

    /// <summary>True when the user wrote no column list (a sink then takes the query's schema).</summary>
    public required bool SchemaInferred { get; init; }

    public required string? Format { get; init; }

    /// <summary>Debezium: rows are changes (<c>_is_retract</c>).</summary>
    public bool IsUpdating => Bound.IsUpdating || Format is "debezium_json";

    public WatermarkConstraint? Watermark { get; init; }

    public string? EventTimeField { get; init; }

    public string? WatermarkField { get; init; }

    public TimeSpan? IdleTimeout { get; init; }

    public bool Temporary { get; init; }

    public IReadOnlyList<Expr> PartitionedBy { get; init; } = [];

    /// <summary>The source chain (source → projection → watermark), built on first read and shared.</summary>
    public PlanNode? SourceNode { get; set; }
}

/// <summary>A CREATE TABLE without connector (or CREATE TABLE … AS): written once by INSERT, read later.</summary>
internal sealed class MemoryTable(string name, SourceSpan span, IReadOnlyList<Field>? fields) : CatalogEntry(name, span)
{
    /// <summary>Declared fields; null for CREATE TABLE … AS (the query's schema).</summary>
    public IReadOnlyList<Field>? Fields { get; } = fields;

    /// <summary>The node producing the table's rows, once an INSERT wrote it.</summary>
    public PlanNode? Writer { get; set; }
}

/// <summary>CREATE VIEW: a named query, bound where it is used (once; later uses share the node).</summary>
internal sealed class ViewEntry(string name, SourceSpan span, Query query, IReadOnlyList<Identifier> columns) : CatalogEntry(name, span)
{
    public Query Query { get; } = query;

    public IReadOnlyList<Identifier> Columns { get; } = columns;

    public Binding.Relation? Bound { get; set; }
}
