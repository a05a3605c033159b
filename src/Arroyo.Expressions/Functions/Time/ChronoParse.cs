using System.Globalization;
using Arroyo.Core.Time;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Reads a timestamp by a strftime pattern as Rust's chrono parses it, which is what DataFusion's
/// <c>to_timestamp(text, format, …)</c> does with each format: literal characters must match, a
/// space matches any run of whitespace, numbers take up to their width of digits, the whole text
/// must be used, and a date with at least hour and minute is needed. With an offset (<c>%z</c>,
/// <c>%:z</c>, <c>%+</c>) the result is that instant in UTC; without one the text is UTC already.
/// </summary>
internal static class ChronoParse
{
    private static readonly string[] s_shortMonths = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] s_days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private sealed class Fields
    {
        public long? Year, Month, Day, DayOfYear, Hour, Hour12, Minute, Second, Nanos, OffsetSeconds, EpochSeconds;
        public bool? Pm;
    }

    /// <summary>False when <paramref name="text"/> does not match <paramref name="pattern"/> or lacks a date and time.</summary>
    public static bool TryParse(string text, string pattern, out long nanos)
    {
        nanos = 0;
        var f = new Fields();
        var pos = 0;
        if (!Match(text, ref pos, pattern, f) || pos != text.Length) return false;
        return TryCombine(f, out nanos);
    }

    private static bool Match(string text, ref int pos, string pattern, Fields f)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (char.IsWhiteSpace(c))
            {
                while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
                continue;
            }
            if (c != '%')
            {
                if (pos >= text.Length || text[pos] != c) return false;
                pos++;
                continue;
            }
            if (++i >= pattern.Length) return false;
            // Padding modifiers change how chrono prints, not what it accepts.
            if (pattern[i] is '-' or '_' or '0' && ++i >= pattern.Length) return false;
            var spec = pattern[i];
            if (spec == '.' || char.IsAsciiDigit(spec))
            {
                // %.f, %.3f, %.6f, %.9f: a dot and the fraction's digits, or nothing (whole seconds);
                // %3f, %6f, %9f: the digits alone.
                var dot = spec == '.';
                if (dot) i++;
                if (i < pattern.Length && char.IsAsciiDigit(pattern[i])) i++;
                if (i >= pattern.Length || pattern[i] != 'f') return false;
                if (!dot)
                {
                    if (!Fraction(text, ref pos, f)) return false;
                }
                else if (pos < text.Length && text[pos] == '.')
                {
                    pos++;
                    if (!Fraction(text, ref pos, f)) return false;
                }
                continue;
            }
            if (spec == ':' && i + 1 < pattern.Length && pattern[i + 1] == 'z')
            {
                i++;
                if (!Offset(text, ref pos, f)) return false;
                continue;
            }
            if (!Specifier(text, ref pos, spec, f)) return false;
        }
        return true;
    }

    private static bool Specifier(string text, ref int pos, char spec, Fields f)
    {
        switch (spec)
        {
            case 'Y': return SignedNumber(text, ref pos, 9, out var y) && Set(ref f.Year, y);
            case 'y': return Number(text, ref pos, 2, out var yy) && Set(ref f.Year, yy < 70 ? 2000 + yy : 1900 + yy);
            case 'm': return Number(text, ref pos, 2, out var m) && Set(ref f.Month, m);
            case 'd': return Number(text, ref pos, 2, out var d) && Set(ref f.Day, d);
            case 'e': SkipSpaces(text, ref pos); return Number(text, ref pos, 2, out var e) && Set(ref f.Day, e);
            case 'j': return Number(text, ref pos, 3, out var j) && Set(ref f.DayOfYear, j);
            case 'b' or 'h' or 'B': return MonthName(text, ref pos, f);
            case 'a' or 'A': return DayName(text, ref pos);
            case 'H': return Number(text, ref pos, 2, out var h) && Set(ref f.Hour, h);
            case 'k': SkipSpaces(text, ref pos); return Number(text, ref pos, 2, out var k) && Set(ref f.Hour, k);
            case 'I': return Number(text, ref pos, 2, out var i) && Set(ref f.Hour12, i);
            case 'l': SkipSpaces(text, ref pos); return Number(text, ref pos, 2, out var l) && Set(ref f.Hour12, l);
            case 'p' or 'P': return AmPm(text, ref pos, f);
            case 'M': return Number(text, ref pos, 2, out var min) && Set(ref f.Minute, min);
            case 'S': return Number(text, ref pos, 2, out var s) && Set(ref f.Second, s);
            case 'f': return Number(text, ref pos, 9, out var ns) && Set(ref f.Nanos, ns);
            case 's': return SignedNumber(text, ref pos, 19, out var epoch) && Set(ref f.EpochSeconds, epoch);
            case 'z': return Offset(text, ref pos, f);
            case 'Z':
                // A zone name: chrono reads it and ignores it.
                while (pos < text.Length && (char.IsLetter(text[pos]) || text[pos] is '/' or '_')) pos++;
                return true;
            case 'D' or 'x': return Match(text, ref pos, "%m/%d/%y", f);
            case 'F': return Match(text, ref pos, "%Y-%m-%d", f);
            case 'v': return Match(text, ref pos, "%e-%b-%Y", f);
            case 'R': return Match(text, ref pos, "%H:%M", f);
            case 'T' or 'X': return Match(text, ref pos, "%H:%M:%S", f);
            case 'r': return Match(text, ref pos, "%I:%M:%S %p", f);
            case 'c': return Match(text, ref pos, "%a %b %e %H:%M:%S %Y", f);
            case '+': return Match(text, ref pos, "%Y-%m-%dT%H:%M:%S%.f%:z", f);
            case 't' or 'n': SkipSpaces(text, ref pos); return true;
            case '%': return pos < text.Length && text[pos++] == '%';
            default: return false;
        }
    }

    private static bool Set(ref long? field, long value)
    {
        // The same field twice must agree (chrono: "impossible").
        if (field is { } old && old != value) return false;
        field = value;
        return true;
    }

    private static void SkipSpaces(string text, ref int pos)
    {
        while (pos < text.Length && text[pos] == ' ') pos++;
    }

    private static bool Number(string text, ref int pos, int maxDigits, out long value)
    {
        value = 0;
        var start = pos;
        while (pos < text.Length && pos - start < maxDigits && char.IsAsciiDigit(text[pos])) value = value * 10 + (text[pos++] - '0');
        return pos > start;
    }

    private static bool SignedNumber(string text, ref int pos, int maxDigits, out long value)
    {
        var negative = pos < text.Length && text[pos] == '-';
        if (pos < text.Length && text[pos] is '-' or '+') pos++;
        if (!Number(text, ref pos, maxDigits, out value)) return false;
        if (negative) value = -value;
        return true;
    }

    private static bool Fraction(string text, ref int pos, Fields f)
    {
        var start = pos;
        if (!Number(text, ref pos, 9, out var digits)) return false;
        var scaled = digits * (long)Math.Pow(10, 9 - (pos - start));
        // chrono reads further digits and drops them.
        while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
        return Set(ref f.Nanos, scaled);
    }

    /// <summary>+hh:mm, +hhmm or +hh (and Z for UTC, as chrono's %:z and %+ accept).</summary>
    private static bool Offset(string text, ref int pos, Fields f)
    {
        if (pos < text.Length && text[pos] is 'Z' or 'z')
        {
            pos++;
            return Set(ref f.OffsetSeconds, 0);
        }
        if (pos >= text.Length || text[pos] is not ('+' or '-')) return false;
        var sign = text[pos++] == '-' ? -1 : 1;
        if (!Number(text, ref pos, 2, out var hours)) return false;
        if (pos < text.Length && text[pos] == ':') pos++;
        long minutes = 0;
        if (pos < text.Length && char.IsAsciiDigit(text[pos]) && !Number(text, ref pos, 2, out minutes)) return false;
        return Set(ref f.OffsetSeconds, sign * (hours * 3600 + minutes * 60));
    }

    private static bool MonthName(string text, ref int pos, Fields f)
    {
        if (pos + 3 > text.Length) return false;
        var month = Array.IndexOf(s_shortMonths, text.Substring(pos, 3).ToLowerInvariant());
        if (month < 0) return false;
        var full = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month + 1);
        pos += text.Length >= pos + full.Length && text.Substring(pos, full.Length).Equals(full, StringComparison.OrdinalIgnoreCase) ? full.Length : 3;
        return Set(ref f.Month, month + 1);
    }

    private static bool DayName(string text, ref int pos)
    {
        foreach (var day in s_days)
        {
            if (text.Length >= pos + day.Length && text.Substring(pos, day.Length).Equals(day, StringComparison.OrdinalIgnoreCase))
            {
                pos += day.Length;
                return true;
            }
            if (text.Length >= pos + 3 && text.Substring(pos, 3).Equals(day[..3], StringComparison.OrdinalIgnoreCase))
            {
                pos += 3;
                return true;
            }
        }
        return false;
    }

    private static bool AmPm(string text, ref int pos, Fields f)
    {
        if (pos + 2 > text.Length) return false;
        var word = text.Substring(pos, 2).ToLowerInvariant();
        if (word is not ("am" or "pm")) return false;
        pos += 2;
        f.Pm = word == "pm";
        return true;
    }

    private static bool TryCombine(Fields f, out long nanos)
    {
        nanos = 0;
        if (f.EpochSeconds is { } epoch)
        {
            nanos = epoch * Timestamps.NanosPerSecond + (f.Nanos ?? 0);
            return true;
        }
        var hour = f.Hour;
        if (f.Hour12 is { } h12)
        {
            if (h12 is < 1 or > 12 || f.Pm is null) return false;
            hour = h12 % 12 + (f.Pm.Value ? 12 : 0);
        }
        if (f.Year is not { } year || hour is not { } h || f.Minute is not { } minute) return false;
        DateTime date;
        try
        {
            if (f.Month is { } month && f.Day is { } day) date = new DateTime((int)year, (int)month, (int)day, 0, 0, 0, DateTimeKind.Utc);
            else if (f.DayOfYear is { } doy && doy >= 1 && doy <= (DateTime.IsLeapYear((int)year) ? 366 : 365))
                date = new DateTime((int)year, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(doy - 1);
            else return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
        var second = f.Second ?? 0;
        // chrono takes a leap second (60) as the last second of the minute plus a second's fraction.
        if (h > 23 || minute > 59 || second > 60) return false;
        var days = (long)(date - DateTime.UnixEpoch).TotalDays;
        var seconds = days * 86400 + h * 3600 + minute * 60 + second - (f.OffsetSeconds ?? 0);
        nanos = seconds * Timestamps.NanosPerSecond + (f.Nanos ?? 0);
        return true;
    }
}
