using System.Globalization;
using System.Text;
using Arroyo.Connectors;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Filesystem.Options;

/// <summary>
/// <c>partitioning.time_pattern</c>: strftime patterns (the chrono specifiers the reference's
/// <c>to_char</c> takes) applied to a row's <c>_timestamp</c> in UTC, e.g. <c>%Y/%m/%d/%H</c>.
/// </summary>
public static class Strftime
{
    private const string Supported = "YCymbBhdejHIklMSfpPaAuwFTDRsGgVUZz%nt";

    public static void Validate(string pattern, TableDefinition definition)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '%') continue;
            if (i + 1 >= pattern.Length || !Supported.Contains(pattern[i + 1]))
            {
                var what = i + 1 >= pattern.Length ? "a '%' at the end" : $"'%{pattern[i + 1]}'";
                throw new UserException(
                    $"invalid partitioning.time_pattern '{pattern}' of table '{definition.Name}': {what} is not a strftime specifier this engine knows",
                    definition.SpanOf(definition.Options.ContainsKey("partitioning.time_pattern") ? "partitioning.time_pattern" : "time_partition_pattern"),
                    hint: "use specifiers such as %Y %m %d %H %M %S %j");
            }
            i++;
        }
    }

    public static string Format(string pattern, DateTime time)
    {
        var text = new StringBuilder(pattern.Length + 16);
        var c = CultureInfo.InvariantCulture;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '%' || i + 1 >= pattern.Length)
            {
                text.Append(pattern[i]);
                continue;
            }
            var spec = pattern[++i];
            text.Append(spec switch
            {
                'Y' => time.Year.ToString("D4", c),
                'C' => (time.Year / 100).ToString("D2", c),
                'y' => (time.Year % 100).ToString("D2", c),
                'm' => time.Month.ToString("D2", c),
                'b' or 'h' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'd' => time.Day.ToString("D2", c),
                'e' => time.Day.ToString(c).PadLeft(2),
                'j' => time.DayOfYear.ToString("D3", c),
                'H' => time.Hour.ToString("D2", c),
                'k' => time.Hour.ToString(c).PadLeft(2),
                'I' => ((time.Hour + 11) % 12 + 1).ToString("D2", c),
                'l' => ((time.Hour + 11) % 12 + 1).ToString(c).PadLeft(2),
                'M' => time.Minute.ToString("D2", c),
                'S' => time.Second.ToString("D2", c),
                'f' => ((time.Ticks % TimeSpan.TicksPerSecond) * 100).ToString("D9", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'P' => time.Hour < 12 ? "am" : "pm",
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'u' => (time.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)time.DayOfWeek).ToString(c),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                'R' => time.ToString("HH:mm", c),
                'D' => time.ToString("MM/dd/yy", c),
                's' => ((long)(time - DateTime.UnixEpoch).TotalSeconds).ToString(c),
                'G' => ISOWeek.GetYear(time).ToString("D4", c),
                'g' => (ISOWeek.GetYear(time) % 100).ToString("D2", c),
                'V' => ISOWeek.GetWeekOfYear(time).ToString("D2", c),
                'U' => ((time.DayOfYear + 6 - (int)time.DayOfWeek) / 7).ToString("D2", c),
                'Z' => "UTC",
                'z' => "+0000",
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => "%" + spec,
            });
        }
        return text.ToString();
    }
}
