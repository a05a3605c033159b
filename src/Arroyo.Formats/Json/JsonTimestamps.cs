using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arroyo.Core.Time;

namespace Arroyo.Formats.Json;

/// <summary>
/// RFC 3339 timestamps in the one shape writers almost always use,
/// <c>YYYY-MM-DDTHH:MM:SS[.fraction][Z]</c> (the engine's own JSON and Arroyo's write it), read
/// with fixed offsets and the days-from-civil formula instead of <see cref="DateTime"/>. Every
/// other form (offsets, a space separator, leap seconds, lower case…) goes to
/// <see cref="Timestamps.TryParse(ReadOnlySpan{byte}, out long)"/>, which gives the same value
/// for this shape; this only saves time. The date of the last one read is kept
/// (<see cref="DateCache"/>): a file's timestamps come in long runs of one day, so the date's
/// digits, range checks and day number are worked out once per run.
/// </summary>
internal static class JsonTimestamps
{
    private const long NanosPerDay = 86_400L * Timestamps.NanosPerSecond;

    // Where YYYY-MM-DD and HH:MM:SS have their digits.
    private static readonly int[] s_dateDigits = [0, 1, 2, 3, 5, 6, 8, 9];
    private static readonly int[] s_timeDigits = [11, 12, 14, 15, 17, 18];

    /// <summary>The first ten bytes (YYYY-MM-DD) of the last valid canonical timestamp and its day in nanoseconds.</summary>
    internal struct DateCache
    {
        internal ulong Head;
        internal ushort Tail;
        internal long DayNanos;
        internal bool Valid;
    }

    public static bool TryParse(ReadOnlySpan<byte> text, out long nanos)
    {
        var cache = default(DateCache);
        return TryParse(text, ref cache, out nanos);
    }

    /// <summary>As <see cref="TryParse(ReadOnlySpan{byte}, out long)"/>, reusing the date of the previous call with the same <paramref name="cache"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, ref DateCache cache, out long nanos) =>
        TryParseCanonical(text, ref cache, out nanos) || Timestamps.TryParse(text, out nanos);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseCanonical(ReadOnlySpan<byte> text, ref DateCache cache, out long nanos)
    {
        nanos = 0;
        if (text.Length < 19 || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T' ||
            text[13] != (byte)':' || text[16] != (byte)':')
        {
            return false;
        }
        var head = MemoryMarshal.Read<ulong>(text);
        var tail = MemoryMarshal.Read<ushort>(text[8..]);
        if (!cache.Valid || head != cache.Head || tail != cache.Tail)
        {
            if (!TryParseDate(text, out var dayNanos)) return false;
            cache = new DateCache { Head = head, Tail = tail, DayNanos = dayNanos, Valid = true };
        }
        foreach (var at in s_timeDigits)
        {
            if ((uint)(text[at] - (byte)'0') > 9) return false;
        }
        var hour = Digit(text[11]) * 10 + Digit(text[12]);
        var minute = Digit(text[14]) * 10 + Digit(text[15]);
        var second = Digit(text[17]) * 10 + Digit(text[18]);
        if (hour > 23 || minute > 59 || second > 59) return false;
        var pos = 19;
        long fraction = 0;
        if (pos < text.Length && text[pos] == (byte)'.')
        {
            pos++;
            var digits = 0;
            while (pos < text.Length && (uint)(text[pos] - (byte)'0') <= 9)
            {
                if (digits < 9) fraction = fraction * 10 + (text[pos] - (byte)'0');
                digits++;
                pos++;
            }
            if (digits == 0) return false;
            for (var d = digits; d < 9; d++) fraction *= 10;
        }
        if (pos < text.Length && text[pos] == (byte)'Z') pos++;
        if (pos != text.Length) return false;
        nanos = cache.DayNanos + (hour * 3600L + minute * 60L + second) * Timestamps.NanosPerSecond + fraction;
        return true;
    }

    private static bool TryParseDate(ReadOnlySpan<byte> text, out long dayNanos)
    {
        dayNanos = 0;
        foreach (var at in s_dateDigits)
        {
            if ((uint)(text[at] - (byte)'0') > 9) return false;
        }
        var year = Digit(text[0]) * 1000 + Digit(text[1]) * 100 + Digit(text[2]) * 10 + Digit(text[3]);
        var month = Digit(text[5]) * 10 + Digit(text[6]);
        var day = Digit(text[8]) * 10 + Digit(text[9]);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        dayNanos = DaysFromCivil(year, month, day) * NanosPerDay;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Digit(byte b) => b - (byte)'0';

    /// <summary>Days from 1970-01-01 to this proleptic Gregorian date (Howard Hinnant's days_from_civil).</summary>
    private static long DaysFromCivil(int year, int month, int day)
    {
        var y = month <= 2 ? year - 1 : year;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yearOfEra = y - era * 400;
        var dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        var dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146097L + dayOfEra - 719468;
    }
}
