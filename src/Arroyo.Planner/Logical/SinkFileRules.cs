using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Planner.Catalog;

namespace Arroyo.Planner.Logical;

/// <summary>
/// A sink must not write a local file the pipeline reads or another sink writes: the sink
/// truncates its file when it starts, so the source would read its own output, or nothing
/// (the input is gone before it is read), and two sinks would cut each other's rows.
/// </summary>
internal static class SinkFileRules
{
    /// <param name="sinks">Each sink table with the span of the INSERT that writes it.</param>
    public static void Check(IReadOnlyList<(ConnectorTable Table, SourceSpan Span)> sinks, PlannerContext context)
    {
        var readers = context.Tables.Values.OfType<DeclaredTable>()
            .Where(t => t.SourceNode is not null && t.Bound.LocalPath is not null)
            .ToList();
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (table, span) in sinks)
        {
            if (table.LocalPath is not { } path) continue;
            if (readers.FirstOrDefault(r => r.Bound.LocalPath == path) is { } reader)
            {
                throw new UserException(
                    $"Error during planning: sink table '{table.Name}' would write to '{path}', which source table '{reader.Name}' reads",
                    span,
                    hint: "write the output to another file: the sink empties its file when it starts");
            }
            if (writers.TryGetValue(path, out var other) && other != table.Name)
            {
                throw new UserException(
                    $"Error during planning: sink tables '{other}' and '{table.Name}' both write to '{path}'",
                    span,
                    hint: "give each sink table its own file, or INSERT INTO one table from several queries");
            }
            writers.TryAdd(path, table.Name);
        }
    }
}
