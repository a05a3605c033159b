using System.Text.Json;
using System.Text.RegularExpressions;

namespace PlannerUdfs;

public static class Prometheus
{
    private static readonly Regex s_metric = new("""(?<metric_name>\w+)\{(?<labels>[^}]+)\}\s+(?<metric_value>[\d.]+)""", RegexOptions.Compiled);

    private static readonly Regex s_label = new(@"(?<label>[^,]+)=""(?<value>[^""]+)""", RegexOptions.Compiled);

    /// <summary>A Prometheus exposition line as JSON: {"name", "labels": {…}, "value"}, or NULL.</summary>
    [ScalarUdf]
    public static string? parse_prom(string s)
    {
        var metric = s_metric.Match(s);
        if (!metric.Success) return null;
        var labels = new Dictionary<string, string>();
        foreach (Match label in s_label.Matches(metric.Groups["labels"].Value))
        {
            labels[label.Groups["label"].Value] = label.Groups["value"].Value;
        }
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = metric.Groups["metric_name"].Value,
            ["labels"] = labels,
            ["value"] = metric.Groups["metric_value"].Value,
        });
    }
}
