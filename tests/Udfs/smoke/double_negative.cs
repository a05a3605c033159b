// The arroyo-smoke corpus' scalar functions (its README), written as a user of `arroyo run --udf` would.
namespace SmokeUdfs;

public static class Negation
{
    /// <summary>-2 * x. BIGINT UNSIGNED in, BIGINT out.</summary>
    [ScalarUdf]
    public static long double_negative(ulong x) => -2 * (long)x;

    /// <summary>The same, asynchronously: waits x % 100 ms first (ordered, as the reference's).</summary>
    [AsyncUdf(Ordered = true)]
    public static async Task<long> async_double_negative(ulong x)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(x % 100));
        return -2 * (long)x;
    }
}
