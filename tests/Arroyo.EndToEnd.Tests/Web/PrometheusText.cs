using System.Globalization;
using System.Text.RegularExpressions;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>
/// A strict reader of the Prometheus text format for the tests: every sample belongs to a
/// family announced by a TYPE line before it, names and labels are well formed, values parse.
/// </summary>
public sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4, $"line {lineNumber}: bad TYPE line '{line}'");
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(result.Types.TryAdd(parts[2], parts[3]), $"line {lineNumber}: family {parts[2]} declared twice");
                continue;
            }
            if (line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"line {lineNumber}: not a sample: '{line}'");
            var name = match.Groups["name"].Value;
            Assert.True(result.Types.ContainsKey(name) || result.Types.Keys.Any(f => name.StartsWith(f + "_", StringComparison.Ordinal)),
                $"line {lineNumber}: sample {name} before its TYPE line");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"").Replace("\\n", "\n").Replace("\\\\", "\\");
            }
            var valueText = match.Groups["value"].Value;
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            result.Samples.Add(new Sample(name, labels, value));
        }
        return result;
    }

    public double Value(string name, params (string Key, string Value)[] labels) =>
        Samples.Single(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Value;

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>([^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
