using System.Globalization;
using System.Text.Json;

namespace Arroyo.Expressions.Functions.Json;

/// <summary>
/// A JSONPath-lite selector as Arroyo's JSON functions accept: <c>$</c>, <c>.key</c>,
/// <c>['key']</c>, <c>[n]</c>, <c>[*]</c> and <c>.*</c>. Parsed once per call site.
/// </summary>
internal sealed class JsonPath
{
    private readonly Step[] _steps;

    private JsonPath(Step[] steps, string text)
    {
        _steps = steps;
        Text = text;
    }

    public string Text { get; }

    private readonly record struct Step(string? Key, int Index, bool Wildcard);

    public static JsonPath Parse(string path)
    {
        var steps = new List<Step>();
        var i = 0;
        var p = path.Trim();
        if (p.StartsWith('$')) i = 1;
        while (i < p.Length)
        {
            if (p[i] == '.')
            {
                i++;
                if (i < p.Length && p[i] == '*')
                {
                    steps.Add(new Step(null, -1, true));
                    i++;
                    continue;
                }
                var start = i;
                while (i < p.Length && p[i] != '.' && p[i] != '[') i++;
                if (i == start) throw Invalid(path);
                steps.Add(new Step(p[start..i], -1, false));
            }
            else if (p[i] == '[')
            {
                var close = p.IndexOf(']', i);
                if (close < 0) throw Invalid(path);
                var inner = p[(i + 1)..close].Trim();
                if (inner == "*") steps.Add(new Step(null, -1, true));
                else if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"')) steps.Add(new Step(inner[1..^1], -1, false));
                else if (int.TryParse(inner, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)) steps.Add(new Step(null, index, false));
                else throw Invalid(path);
                i = close + 1;
            }
            else if (steps.Count == 0 && i == 0)
            {
                // A bare key ("a.b") is read as "$.a.b".
                p = "." + p;
            }
            else throw Invalid(path);
        }
        return new JsonPath(steps.ToArray(), path);
    }

    private static DataException Invalid(string path) => new($"invalid JSON path '{path}'");

    /// <summary>Every element the path selects in <paramref name="root"/>, in document order.</summary>
    public void Select(JsonElement root, List<JsonElement> output) => Select(root, 0, output);

    public JsonElement? First(JsonElement root)
    {
        var found = new List<JsonElement>(1);
        Select(root, 0, found);
        return found.Count > 0 ? found[0] : null;
    }

    private void Select(JsonElement current, int step, List<JsonElement> output)
    {
        if (step == _steps.Length)
        {
            output.Add(current);
            return;
        }
        var s = _steps[step];
        if (s.Wildcard)
        {
            if (current.ValueKind == JsonValueKind.Array) foreach (var e in current.EnumerateArray()) Select(e, step + 1, output);
            else if (current.ValueKind == JsonValueKind.Object) foreach (var p in current.EnumerateObject()) Select(p.Value, step + 1, output);
        }
        else if (s.Key is not null)
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(s.Key, out var v)) Select(v, step + 1, output);
        }
        else if (current.ValueKind == JsonValueKind.Array)
        {
            var len = current.GetArrayLength();
            var idx = s.Index < 0 ? len + s.Index : s.Index;
            if (idx >= 0 && idx < len) Select(current[idx], step + 1, output);
        }
    }
}
