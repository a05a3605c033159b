using System.Globalization;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Casts;

/// <summary>
/// Parses interval text as DataFusion does: pairs of number and unit (<c>1 day 2 hours</c>,
/// <c>'5' SECOND</c> after the unit is appended by the parser), units singular or plural or
/// abbreviated. Fractional amounts spill into smaller units.
/// </summary>
public static class IntervalParser
{
    public static bool TryParse(string text, out IntervalValue value)
    {
        value = default;
        var tokens = text.Trim().ToLowerInvariant().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0) return false;
        // Split "10minutes" style tokens into number and unit.
        var list = new List<string>();
        foreach (var t in tokens)
        {
            var k = 0;
            while (k < t.Length && (char.IsAsciiDigit(t[k]) || t[k] is '.' or '-' or '+')) k++;
            if (k > 0 && k < t.Length)
            {
                list.Add(t[..k]);
                list.Add(t[k..]);
            }
            else list.Add(t);
        }
        int months = 0, days = 0;
        decimal nanos = 0;
        for (var i = 0; i < list.Count; i++)
        {
            if (!decimal.TryParse(list[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)) return false;
            var unit = i + 1 < list.Count ? list[++i] : "second";
            switch (unit is "ms" or "us" or "ns" ? unit : unit.TrimEnd('s'))
            {
                case "year" or "yr" or "y": months += (int)(amount * 12); break;
                case "month" or "mon": months += (int)amount; days += (int)((amount - Math.Truncate(amount)) * 30); break;
                case "week" or "w": days += (int)(amount * 7); break;
                case "day" or "d": days += (int)amount; nanos += (amount - Math.Truncate(amount)) * IntervalValue.NanosPerDay; break;
                case "hour" or "hr" or "h": nanos += amount * 3600 * Timestamps.NanosPerSecond; break;
                case "minute" or "min" or "m": nanos += amount * 60 * Timestamps.NanosPerSecond; break;
                case "second" or "sec" or "": nanos += amount * Timestamps.NanosPerSecond; break;
                case "millisecond" or "ms": nanos += amount * Timestamps.NanosPerMilli; break;
                case "microsecond" or "u" or "us": nanos += amount * Timestamps.NanosPerMicro; break;
                case "nanosecond" or "n" or "ns": nanos += amount; break;
                default: return false;
            }
        }
        value = new IntervalValue(months, days, (long)nanos);
        return true;
    }
}
