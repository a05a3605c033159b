using Arroyo.Core.Errors;

namespace Arroyo.Connectors;

/// <summary>
/// One <c>PARTITIONED BY</c> expression as a connector reads it: a call of a named function
/// whose arguments are column names and integer literals (the iceberg transforms:
/// <c>bucket(id, 4)</c>, <c>hour(ts)</c>), or, when it is anything else, only where it is
/// (<see cref="Function"/> null) so the connector can refuse it there.
/// </summary>
public sealed record PartitionExpression(SourceSpan Span, string? Function, IReadOnlyList<PartitionArgument> Arguments)
{
    public override string ToString() =>
        Function is null ? "(expression)" : $"{Function}({string.Join(", ", Arguments)})";
}

/// <summary>An argument of a <see cref="PartitionExpression"/>: a column name, an integer, or something else (both null).</summary>
public sealed record PartitionArgument(SourceSpan Span, string? Column, long? Integer)
{
    public override string ToString() => Column ?? Integer?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
}
