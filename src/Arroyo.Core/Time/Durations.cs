using System.Globalization;

namespace Arroyo.Core.Time;

/// <summary>Human-friendly durations, as the reference's configuration accepts them.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i) return false;
            var number = double.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            var unit = text[unitStart..i].ToLowerInvariant();
            TimeSpan? part = unit switch
            {
                "ns" or "nsec" => TimeSpan.FromTicks((long)(number / 100)),
                "us" or "usec" or "µs" => TimeSpan.FromMicroseconds(number),
                "ms" or "msec" or "millis" => TimeSpan.FromMilliseconds(number),
                "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(number),
                "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(number),
                "h" or "hr" or "hour" or "hours" => TimeSpan.FromHours(number),
                "d" or "day" or "days" => TimeSpan.FromDays(number),
                _ => null,
            };
            if (part is null) return false;
            total += part.Value;
        }
        value = total;
        return true;
    }
}
