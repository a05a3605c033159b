using System.Text.Json;
using System.Text.RegularExpressions;

namespace PlannerUdfs;

public static partial class Prometheus
{
    [GeneratedRegex("""(?<metric_name>\w+)\{(?<labels>[^}]+)\}\s+(?<metric_value>[\d.]+)""")]
    private static partial Regex Metric();

    [GeneratedRegex("""(?<label>[^,]+)="(?<value>[^"]+)\"""")]
    private static partial Regex Label();

    /// <summary>A Prometheus exposition line as JSON: {"name", "labels": {…}, "value"}, or NULL.</summary>
    [ScalarUdf]
    public static string? parse_prom(string s)
    {
        var metric = Metric().Match(s);
        if (!metric.Success) return null;
        var labels = new Dictionary<string, string>();
        foreach (Match label in Label().Matches(metric.Groups["labels"].Value))
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
