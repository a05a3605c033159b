namespace Arroyo.Operators.Grouping;

/// <summary>
/// Window starts of tumbling windows (and slide bins) of a batch's timestamps. Usually every
/// row of a batch falls in one window, so that is tested before a start is computed per row.
/// </summary>
internal static class WindowStarts
{
    /// <summary>The start of the window of width <paramref name="width"/> holding <paramref name="t"/> (also before 1970).</summary>
    public static long Of(long t, long width) => Arroyo.Core.Time.Timestamps.FloorDiv(t, width) * width;

    /// <summary>Whether all of <paramref name="timestamps"/> fall in the window starting at <paramref name="first"/> (the first row's).</summary>
    public static bool AllIn(ReadOnlySpan<long> timestamps, long first, long width)
    {
        foreach (var t in timestamps)
        {
            var offset = t - first;
            if (offset < 0 || offset >= width) return false;
        }
        return true;
    }
}
