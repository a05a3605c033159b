using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PlannerUdfs;

public static class AccessLogs
{
    // Common Log Format: host ident user [day/Mon/year:hh:mm:ss zone] "request" status bytes.
    // (Source generators do not run in a UDF compilation, so no [GeneratedRegex].)
    private static readonly Regex s_commonLog = new("""^(\S+) \S+ (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+)""", RegexOptions.Compiled);

    /// <summary>A Common Log Format line as JSON (ip, user, timestamp, request, status_code), or NULL.</summary>
    [ScalarUdf]
    public static string? parse_log(string input)
    {
        var match = s_commonLog.Match(input);
        if (!match.Success) return null;
        if (!DateTimeOffset.TryParseExact(match.Groups[3].Value, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var timestamp))
        {
            return null;
        }
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ip"] = match.Groups[1].Value,
            ["user"] = match.Groups[2].Value == "-" ? null : match.Groups[2].Value,
            ["timestamp"] = timestamp.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["request"] = match.Groups[4].Value,
            ["status_code"] = int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture),
        });
    }
}
