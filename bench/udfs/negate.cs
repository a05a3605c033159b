// The UDFs of bench/udfs.sh: each is the C# of an expression the benchmark also runs in SQL.
namespace BenchUdfs;

public static class Bench
{
    /// <summary>SQL: -2 * price.</summary>
    [ScalarUdf]
    public static long double_negative(long x) => -2 * x;

    /// <summary>SQL: channel || '!'.</summary>
    [ScalarUdf]
    public static string exclaim(string text) => text + "!";
}
