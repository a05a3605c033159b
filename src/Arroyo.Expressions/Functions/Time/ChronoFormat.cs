using System.Globalization;
using System.Text;
using Arroyo.Core.Time;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Formats a UTC timestamp with a strftime pattern as Rust's chrono reads it (DataFusion's
/// to_char): <c>%Y-%m-%d %H:%M:%S%.3f</c> and the rest of chrono's specifiers, including its
/// padding modifiers <c>%-d</c> (none), <c>%_d</c> (spaces) and <c>%0e</c> (zeros). Timestamps carry
/// no zone here, so <c>%z</c> prints <c>+0000</c> and <c>%Z</c> <c>UTC</c>.
/// </summary>
internal static class ChronoFormat
{
    private static readonly string[] s_shortDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] s_shortMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static string Format(long nanos, string pattern)
    {
        var dt = Timestamps.ToDateTime(nanos);
        var fraction = nanos - Timestamps.FloorDiv(nanos, Timestamps.NanosPerSecond) * Timestamps.NanosPerSecond;
        var sb = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= pattern.Length) throw Invalid(pattern);
            char? pad = null;
            if (pattern[i] is '-' or '_' or '0')
            {
                pad = pattern[i] == '-' ? '\0' : pattern[i] == '_' ? ' ' : '0';
                if (++i >= pattern.Length) throw Invalid(pattern);
            }
            var spec = pattern[i];
            // Fractions: %f, %.f, %.3f / %.6f / %.9f, %3f / %6f / %9f.
            if (spec == '.' || char.IsAsciiDigit(spec))
            {
                var dot = spec == '.';
                if (dot && ++i >= pattern.Length) throw Invalid(pattern);
                var digits = char.IsAsciiDigit(pattern[i]) ? pattern[i++] - '0' : 0;
                if (i >= pattern.Length || pattern[i] != 'f' || digits is not (0 or 3 or 6 or 9)) throw Invalid(pattern);
                AppendFraction(sb, fraction, digits, dot);
                continue;
            }
            if (spec == ':' && i + 1 < pattern.Length && pattern[i + 1] == 'z')
            {
                i++;
                sb.Append("+00:00");
                continue;
            }
            switch (spec)
            {
                case 'Y': Number(sb, dt.Year, 4, pad ?? '0'); break;
                case 'C': Number(sb, dt.Year / 100, 2, pad ?? '0'); break;
                case 'y': Number(sb, dt.Year % 100, 2, pad ?? '0'); break;
                case 'm': Number(sb, dt.Month, 2, pad ?? '0'); break;
                case 'b' or 'h': sb.Append(s_shortMonths[dt.Month - 1]); break;
                case 'B': sb.Append(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(dt.Month)); break;
                case 'd': Number(sb, dt.Day, 2, pad ?? '0'); break;
                case 'e': Number(sb, dt.Day, 2, pad ?? ' '); break;
                case 'a': sb.Append(s_shortDays[(int)dt.DayOfWeek]); break;
                case 'A': sb.Append(dt.DayOfWeek.ToString()); break;
                case 'w': sb.Append((int)dt.DayOfWeek); break;
                case 'u': sb.Append(((int)dt.DayOfWeek + 6) % 7 + 1); break;
                case 'U': Number(sb, (dt.DayOfYear + 6 - (int)dt.DayOfWeek) / 7, 2, pad ?? '0'); break;
                case 'W': Number(sb, (dt.DayOfYear + 6 - ((int)dt.DayOfWeek + 6) % 7) / 7, 2, pad ?? '0'); break;
                case 'G': Number(sb, ISOWeek.GetYear(dt), 4, pad ?? '0'); break;
                case 'g': Number(sb, ISOWeek.GetYear(dt) % 100, 2, pad ?? '0'); break;
                case 'V': Number(sb, ISOWeek.GetWeekOfYear(dt), 2, pad ?? '0'); break;
                case 'j': Number(sb, dt.DayOfYear, 3, pad ?? '0'); break;
                case 'D' or 'x': sb.Append(Format(nanos, "%m/%d/%y")); break;
                case 'F': sb.Append(Format(nanos, "%Y-%m-%d")); break;
                case 'v': sb.Append(Format(nanos, "%e-%b-%Y")); break;
                case 'H': Number(sb, dt.Hour, 2, pad ?? '0'); break;
                case 'k': Number(sb, dt.Hour, 2, pad ?? ' '); break;
                case 'I': Number(sb, (dt.Hour + 11) % 12 + 1, 2, pad ?? '0'); break;
                case 'l': Number(sb, (dt.Hour + 11) % 12 + 1, 2, pad ?? ' '); break;
                case 'P': sb.Append(dt.Hour < 12 ? "am" : "pm"); break;
                case 'p': sb.Append(dt.Hour < 12 ? "AM" : "PM"); break;
                case 'M': Number(sb, dt.Minute, 2, pad ?? '0'); break;
                case 'S': Number(sb, dt.Second, 2, pad ?? '0'); break;
                case 'f': sb.Append(fraction.ToString("D9", CultureInfo.InvariantCulture)); break;
                case 'R': sb.Append(Format(nanos, "%H:%M")); break;
                case 'T' or 'X': sb.Append(Format(nanos, "%H:%M:%S")); break;
                case 'r': sb.Append(Format(nanos, "%I:%M:%S %p")); break;
                case 'c': sb.Append(Format(nanos, "%a %b %e %H:%M:%S %Y")); break;
                case '+': sb.Append(Format(nanos, "%Y-%m-%dT%H:%M:%S%.f+00:00")); break;
                case 's': sb.Append(Timestamps.FloorDiv(nanos, Timestamps.NanosPerSecond)); break;
                case 'Z': sb.Append("UTC"); break;
                case 'z': sb.Append("+0000"); break;
                case 't': sb.Append('\t'); break;
                case 'n': sb.Append('\n'); break;
                case '%': sb.Append('%'); break;
                default: throw Invalid(pattern);
            }
        }
        return sb.ToString();
    }

    private static void Number(StringBuilder sb, int value, int width, char pad)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (pad != '\0') sb.Append(pad, Math.Max(0, width - text.Length));
        sb.Append(text);
    }

    /// <summary>chrono: %.f prints 0, 3, 6 or 9 digits as needed (nothing for whole seconds); %.Nf and %Nf exactly N.</summary>
    private static void AppendFraction(StringBuilder sb, long fraction, int digits, bool dot)
    {
        if (digits == 0)
        {
            if (!dot) throw new DataException("to_char: '%f' with a width must be %3f, %6f or %9f");
            if (fraction == 0) return;
            digits = fraction % 1_000_000 == 0 ? 3 : fraction % 1000 == 0 ? 6 : 9;
        }
        if (dot) sb.Append('.');
        sb.Append((fraction / (long)Math.Pow(10, 9 - digits)).ToString("D" + digits, CultureInfo.InvariantCulture));
    }

    private static DataException Invalid(string pattern) => new($"to_char: invalid format '{pattern}' (chrono strftime specifiers expected, e.g. '%Y-%m-%d %H:%M:%S')");
}
