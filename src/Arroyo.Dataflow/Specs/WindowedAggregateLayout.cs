using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>Shared text for the aggregate, join and window-function specs' EXPLAIN lines: columns by name.</summary>
internal static class WindowedAggregateLayout
{
    public static string Describe(Schema input, IReadOnlyList<int> keys, IReadOnlyList<AggregateCall> aggregates) =>
        $"by [{Columns(input, keys)}] {string.Join(", ", aggregates.Select(a => a.Describe(input)))}";

    public static string Column(Schema schema, int index) => index >= 0 && index < schema.Count ? schema[index].Name : "#" + index;

    public static string Columns(Schema schema, IEnumerable<int> indices) => string.Join(", ", indices.Select(i => Column(schema, i)));

    public static string JoinKeys(Schema left, IReadOnlyList<int> leftKeys, Schema right, IReadOnlyList<int> rightKeys) =>
        leftKeys.Count == 0 ? "the window alone"
            : string.Join(" AND ", leftKeys.Zip(rightKeys, (l, r) => $"left.{Column(left, l)} = right.{Column(right, r)}"));

    public static string Duration(long nanos) => TimeSpan.FromTicks(nanos / 100).ToString();
}
