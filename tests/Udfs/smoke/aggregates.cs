// The arroyo-smoke corpus' aggregate functions (its README).
namespace SmokeUdfs;

public static class Aggregates
{
    /// <summary>The group's median; the mean of the two middle values for an even count.</summary>
    [AggregateUdf]
    public static double my_median(ulong[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 0 ? (sorted[mid] + sorted[mid - 1]) / 2.0 : sorted[mid];
    }

    /// <summary>Always NULL.</summary>
    [AggregateUdf]
    public static double? none_udf(IReadOnlyList<ulong> values) => null;

    /// <summary>The largest a * b over the group's rows.</summary>
    [AggregateUdf]
    public static ulong max_product(ulong[] first, ulong[] second) => first.Zip(second, (a, b) => a * b).Max();
}
