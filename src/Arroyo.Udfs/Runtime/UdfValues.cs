using Arroyo.Core.Columns;

namespace Arroyo.Udfs.Runtime;

/// <summary>
/// Conversions and null masks the generated UDF kernels call (public because the UDF assembly,
/// compiled at run time, calls them; not meant for user code).
/// </summary>
public static class UdfValues
{
    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>A TIMESTAMP (nanoseconds since the Unix epoch) as a UTC <see cref="DateTime"/> (100 ns precision).</summary>
    public static DateTime ToDateTime(long nanos) => new(s_epochTicks + nanos / 100, DateTimeKind.Utc);

    /// <summary>A <see cref="DateTime"/> (local times converted to UTC) as TIMESTAMP nanoseconds.</summary>
    public static long FromDateTime(DateTime value)
    {
        if (value.Kind == DateTimeKind.Local) value = value.ToUniversalTime();
        return (value.Ticks - s_epochTicks) * 100;
    }

    /// <summary>
    /// The rows where every one of <paramref name="columns"/> is non-null, as a new bitmap the
    /// caller may change; null when none of them has a null (every row is called).
    /// </summary>
    public static Bitmap? ValidRows(int rowCount, params ReadOnlySpan<Column> columns)
    {
        Bitmap? result = null;
        foreach (var column in columns)
        {
            if (column.Validity is not { } validity || column.NullCount == 0) continue;
            result = result is null ? Copy(validity, rowCount) : result.And(validity);
        }
        return result;
    }

    /// <summary>A bitmap of <paramref name="rowCount"/> rows, all valid.</summary>
    public static Bitmap AllValid(int rowCount) => new(rowCount, initialValue: true);

    private static Bitmap Copy(Bitmap validity, int rowCount)
    {
        if (validity.Length == rowCount) return validity.Clone();
        var copy = new Bitmap(rowCount);
        for (var i = 0; i < rowCount; i++)
        {
            if (validity.Get(i)) copy.Set(i);
        }
        return copy;
    }

    /// <summary>Value equality for retractions (arrays of bytes by content).</summary>
    public static bool Same<T>(T a, T b) => EqualityComparer<T>.Default.Equals(a, b);

    public static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
