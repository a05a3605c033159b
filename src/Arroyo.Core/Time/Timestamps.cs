using System.Globalization;

namespace Arroyo.Core.Time;

/// <summary>Conversions between nanosecond timestamps and text, as the reference engine formats them.</summary>
public static class Timestamps
{
    public const long NanosPerMicro = 1_000;
    public const long NanosPerMilli = 1_000_000;
    public const long NanosPerSecond = 1_000_000_000;

    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;

    public static long FromDateTime(DateTime value) =>
        (value.ToUniversalTime().Ticks - s_epochTicks) * 100;

    public static long FromDateTimeOffset(DateTimeOffset value) => (value.UtcTicks - s_epochTicks) * 100;

    public static DateTime ToDateTime(long nanos) =>
        new(s_epochTicks + FloorDiv(nanos, 100), DateTimeKind.Utc);

    public static long Now() => FromDateTimeOffset(DateTimeOffset.UtcNow);

    /// <summary>
    /// ISO-8601 without zone and with as many fraction digits as needed in groups of three
    /// (<c>2023-10-09T17:13:40</c>, <c>…:40.200</c>, <c>…:40.000001</c>): what the reference's
    /// JSON encoder writes for a naive timestamp.
    /// </summary>
    public static string FormatIso(long nanos)
    {
        var seconds = FloorDiv(nanos, NanosPerSecond);
        var fraction = nanos - seconds * NanosPerSecond;
        var dt = DateTime.UnixEpoch.AddSeconds(seconds);
        var text = dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        if (fraction == 0) return text;
        if (fraction % NanosPerMicro != 0) return text + "." + fraction.ToString("D9", CultureInfo.InvariantCulture);
        if (fraction % NanosPerMilli != 0) return text + "." + (fraction / NanosPerMicro).ToString("D6", CultureInfo.InvariantCulture);
        return text + "." + (fraction / NanosPerMilli).ToString("D3", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses RFC 3339 / ISO-8601 timestamps with or without zone, with 'T' or a space, and
    /// up to nanosecond fractions. Returns false if the text is not a timestamp.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out long nanos)
    {
        // Timestamps are ASCII: narrow to bytes and parse those (one parser for text and UTF-8).
        nanos = 0;
        text = text.Trim();
        Span<byte> ascii = text.Length <= 128 ? stackalloc byte[text.Length] : new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 127) return false;
            ascii[i] = (byte)text[i];
        }
        return TryParse(ascii, out nanos);
    }

    /// <summary>As <see cref="TryParse(ReadOnlySpan{char}, out long)"/>, from UTF-8 bytes (e.g. a JSON string's value) without transcoding.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long nanos)
    {
        nanos = 0;
        text = text.Trim(" \t\r\n"u8);
        if (text.Length < 10) return false;
        // Date part: YYYY-MM-DD
        if (!TryDigits(text, 0, 4, out var year) || text[4] != '-' || !TryDigits(text, 5, 2, out var month) ||
            text[7] != '-' || !TryDigits(text, 8, 2, out var day))
        {
            return false;
        }
        int hour = 0, minute = 0, second = 0;
        long fractionNanos = 0;
        var pos = 10;
        if (pos < text.Length && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' '))
        {
            pos++;
            if (!TryDigits(text, pos, 2, out hour) || pos + 2 >= text.Length || text[pos + 2] != ':' ||
                !TryDigits(text, pos + 3, 2, out minute))
            {
                return false;
            }
            pos += 5;
            if (pos < text.Length && text[pos] == ':')
            {
                if (!TryDigits(text, pos + 1, 2, out second)) return false;
                pos += 3;
                if (pos < text.Length && (text[pos] == '.' || text[pos] == ','))
                {
                    pos++;
                    var digits = 0;
                    while (pos < text.Length && IsDigit(text[pos]))
                    {
                        if (digits < 9) fractionNanos = fractionNanos * 10 + (text[pos] - (byte)'0');
                        digits++;
                        pos++;
                    }
                    if (digits == 0) return false;
                    for (var d = digits; d < 9; d++) fractionNanos *= 10;
                }
            }
        }
        long offsetSeconds = 0;
        if (pos < text.Length)
        {
            var c = text[pos];
            if (c == 'Z' || c == 'z')
            {
                pos++;
            }
            else if (c == '+' || c == '-')
            {
                var sign = c == '-' ? -1 : 1;
                if (!TryDigits(text, pos + 1, 2, out var oh)) return false;
                pos += 3;
                var om = 0;
                if (pos < text.Length && text[pos] == ':') pos++;
                if (pos + 2 <= text.Length && TryDigits(text, pos, 2, out om)) pos += 2;
                offsetSeconds = sign * (oh * 3600L + om * 60L);
            }
            if (pos != text.Length) return false;
        }
        // Year 0000 has no DateTime (whose constructor would throw): refused like any other bad date.
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }
        var date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc);
        var secondsOfDay = hour * 3600L + minute * 60L + second - offsetSeconds;
        nanos = (date.Ticks - s_epochTicks) * 100 + secondsOfDay * NanosPerSecond + fractionNanos;
        return true;
    }

    public static long FloorDiv(long a, long b)
    {
        var q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        if (start + count > text.Length) return false;
        for (var i = start; i < start + count; i++)
        {
            if (!IsDigit(text[i])) return false;
            value = value * 10 + (text[i] - '0');
        }
        return true;
    }
}
