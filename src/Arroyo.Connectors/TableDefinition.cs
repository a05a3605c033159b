using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Connectors;

/// <summary>A column declared <c>name TYPE METADATA FROM 'key'</c>: filled by the connector, not the format.</summary>
public sealed record MetadataColumn(Field Field, string Key);

/// <summary>
/// A CREATE TABLE as the planner hands it to a connector.
/// <see cref="Columns"/>: the declared physical columns in order (no generated columns, no
/// metadata columns); may be empty (a sink declared without columns, or impulse/nexmark).
/// <see cref="Options"/>: every WITH option, keys lower-cased and unquoted, values as plain
/// text (string literals unquoted; numbers, booleans, identifiers and intervals as written,
/// e.g. <c>100</c>, <c>true</c>, <c>interval '10 minutes'</c>). <see cref="Options"/> must
/// contain <c>connector</c>.
/// </summary>
public sealed record TableDefinition(
    string Name,
    IReadOnlyList<Field> Columns,
    IReadOnlyDictionary<string, string> Options,
    SourceSpan Span = default)
{
    /// <summary>Where each option is written, for error carets (optional; falls back to <see cref="Span"/>).</summary>
    public IReadOnlyDictionary<string, SourceSpan>? OptionSpans { get; init; }

    /// <summary>Names of the PRIMARY KEY columns (lookup tables, debezium keys).</summary>
    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    public IReadOnlyList<MetadataColumn> MetadataColumns { get; init; } = [];

    /// <summary>Names of <c>GENERATED ALWAYS AS (…) STORED</c> columns (some formats refuse them).</summary>
    public IReadOnlyList<string> GeneratedColumns { get; init; } = [];

    /// <summary>The <c>PARTITIONED BY</c> expressions (iceberg reads them as transforms).</summary>
    public IReadOnlyList<PartitionExpression> PartitionedBy { get; init; } = [];

    /// <summary>The role the query uses the table in, when the planner already knows it and <c>type</c> is absent.</summary>
    public TableRole? UsedAs { get; init; }

    public SourceSpan SpanOf(string option) =>
        OptionSpans is not null && OptionSpans.TryGetValue(option, out var span) && span.IsKnown ? span : Span;
}
