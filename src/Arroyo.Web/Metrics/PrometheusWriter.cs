using System.Globalization;
using System.Text;

namespace Arroyo.Web.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): a HELP and TYPE line per
/// metric family, then one line per labelled sample.
/// </summary>
internal sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>Starts a family; a second call for the same name is ignored, so samples may come in any order per family.</summary>
    public void Family(string name, string type, string help)
    {
        if (!_families.Add(name)) return;
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, IEnumerable<KeyValuePair<string, string>> labels, double value)
    {
        _text.Append(name);
        var first = true;
        foreach (var (key, labelValue) in labels)
        {
            _text.Append(first ? '{' : ',').Append(key).Append("=\"").Append(EscapeLabel(labelValue)).Append('"');
            first = false;
        }
        if (!first) _text.Append('}');
        _text.Append(' ').Append(Format(value)).Append('\n');
    }

    public override string ToString() => _text.ToString();

    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ when value == Math.Floor(value) && Math.Abs(value) < 1e15 => ((long)value).ToString(CultureInfo.InvariantCulture),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");

    /// <summary>A Prometheus name from an OpenTelemetry one: letters, digits and '_' only.</summary>
    public static string Name(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name) text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        return text.ToString();
    }
}
