namespace Arroyo.Dataflow.Specs;

/// <summary>Shared text for the windowed aggregate specs' EXPLAIN lines.</summary>
internal static class WindowedAggregateLayout
{
    public static string Describe(IReadOnlyList<int> keys, IReadOnlyList<AggregateCall> aggregates) =>
        $"by [{string.Join(", ", keys.Select(k => "#" + k))}] {string.Join(", ", aggregates)}";

    public static string Duration(long nanos) => TimeSpan.FromTicks(nanos / 100).ToString();
}
