using Arroyo.Core.Types;

namespace Arroyo.Dataflow;

/// <summary>
/// Which parts of a batch's columns the operators downstream of a node read, as the planner
/// proves it (see the planner's ColumnPruning pass). Sources use it to skip generating what
/// nobody reads and filters to skip copying it. A part nobody reads may then hold any value
/// of the right type and length, so this is only set where every reader is known.
/// </summary>
public sealed class ColumnUsage
{
    public ColumnUsage(IReadOnlyList<FieldUsage?> columns)
    {
        Columns = columns;
    }

    /// <summary>Per column: null = not read at all; otherwise what of it is read.</summary>
    public IReadOnlyList<FieldUsage?> Columns { get; }

    /// <summary>
    /// When set, downstream drops every row in which all of these columns are NULL (each
    /// reader starts with a filter such as Nexmark's <c>WHERE bid IS NOT NULL</c>): a source
    /// may then not produce such rows at all. Null: every row may be read.
    /// </summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(Serialization.IntSetJsonConverter))]
    public IReadOnlySet<int>? RowsWithAnyNonNull { get; init; }

    /// <summary>True when every column is read whole and every row is needed (nothing to prune).</summary>
    public bool IsAll => Columns.All(c => c is { IsAll: true }) && RowsWithAnyNonNull is null;

    /// <summary>
    /// For EXPLAIN: the columns of <paramref name="schema"/> read (struct fields by name in
    /// braces), those skipped, and the row condition.
    /// </summary>
    public string Describe(Schema schema)
    {
        var read = new List<string>();
        var skipped = new List<string>();
        for (var i = 0; i < Columns.Count; i++)
        {
            var name = i < schema.Count ? schema[i].Name : "#" + i;
            if (Columns[i] is not { } usage) skipped.Add(name);
            else read.Add(name + (i < schema.Count ? usage.Describe(schema[i].Type) : ""));
        }
        var text = $"{(read.Count == 0 ? "no column" : string.Join(", ", read))}";
        if (skipped.Count > 0) text += $"; skips {string.Join(", ", skipped)}";
        if (RowsWithAnyNonNull is { } rows)
        {
            text += $"; only rows where one of {string.Join(", ", rows.Order().Select(r => r < schema.Count ? schema[r].Name : "#" + r))} is not null";
        }
        return text;
    }

    public override string ToString() => string.Join(", ", Columns.Select((c, i) => $"{i}:{c?.ToString() ?? "-"}")) +
        (RowsWithAnyNonNull is { } rows ? $"; rows where any of {string.Join(",", rows.Order())} is not null" : "");
}

/// <summary>
/// What of one value is read: everything (<see cref="IsAll"/>), or for a struct only its
/// validity plus the listed fields (by index), each with its own usage.
/// </summary>
public sealed class FieldUsage
{
    public static readonly FieldUsage All = new(null);

    public FieldUsage(IReadOnlyDictionary<int, FieldUsage>? fields)
    {
        Fields = fields;
    }

    /// <summary>Null = the whole value is read; empty = only whether it is NULL.</summary>
    public IReadOnlyDictionary<int, FieldUsage>? Fields { get; }

    public bool IsAll => Fields is null;

    public FieldUsage? Field(int index) => Fields is null ? All : Fields.GetValueOrDefault(index);

    /// <summary>"" when the whole value is read; otherwise the fields read, by name, in braces.</summary>
    public string Describe(DataType type)
    {
        if (Fields is null) return "";
        var fields = Fields.OrderBy(f => f.Key).Select(f =>
            f.Key < type.Fields.Count ? type.Fields[f.Key].Name + f.Value.Describe(type.Fields[f.Key].Type) : "#" + f.Key);
        return "{" + string.Join(", ", fields) + "}";
    }

    public override string ToString() =>
        Fields is null ? "*" : "{" + string.Join(",", Fields.OrderBy(f => f.Key).Select(f => $"{f.Key}:{f.Value}")) + "}";
}
