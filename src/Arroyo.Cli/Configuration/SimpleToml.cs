namespace Arroyo.Cli.Configuration;

/// <summary>
/// The part of TOML configuration files use: <c>[section]</c> / <c>[a.b]</c> headers and
/// <c>key = value</c> lines with strings, numbers and booleans, and <c>#</c> comments.
/// Flattened to dotted keys.
/// </summary>
internal static class SimpleToml
{
    public static IEnumerable<(string Key, string Value)> Parse(string text, string path)
    {
        var section = "";
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = StripComment(rawLine).Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('['))
            {
                if (!line.EndsWith(']')) throw Error(path, lineNumber, "a section header must end with ']'");
                section = line[1..^1].Trim().Trim('"');
                continue;
            }
            var eq = line.IndexOf('=');
            if (eq <= 0) throw Error(path, lineNumber, "expected 'key = value'");
            var key = line[..eq].Trim().Trim('"');
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
                if (rawLine.Contains('"')) value = value.Replace("\\\"", "\"").Replace("\\\\", "\\").Replace("\\n", "\n");
            }
            yield return (section.Length == 0 ? key : $"{section}.{key}", value);
        }
    }

    private static string StripComment(string line)
    {
        var inString = false;
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inString)
            {
                if (c == quote) inString = false;
            }
            else if (c is '"' or '\'')
            {
                inString = true;
                quote = c;
            }
            else if (c == '#')
            {
                return line[..i];
            }
        }
        return line;
    }

    private static Core.Errors.UserException Error(string path, int line, string message) =>
        new($"{path}, line {line}: {message}");
}

/// <summary>
/// The part of YAML configuration files use: nested maps by indentation with scalar values
/// and <c>#</c> comments. Flattened to dotted keys.
/// </summary>
internal static class SimpleYaml
{
    public static IEnumerable<(string Key, string Value)> Parse(string text, string path)
    {
        var stack = new List<(int Indent, string Key)>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var withoutComment = rawLine.Split(" #")[0].TrimEnd('\r', ' ');
            if (withoutComment.TrimStart().StartsWith('#') || withoutComment.Trim().Length == 0 || withoutComment.Trim() == "---") continue;
            var indent = withoutComment.Length - withoutComment.TrimStart().Length;
            var line = withoutComment.Trim();
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new Core.Errors.UserException($"{path}, line {lineNumber}: expected 'key: value'");
            var key = line[..colon].Trim().Trim('"', '\'');
            var value = line[(colon + 1)..].Trim();
            while (stack.Count > 0 && stack[^1].Indent >= indent) stack.RemoveAt(stack.Count - 1);
            var prefix = string.Join('.', stack.Select(s => s.Key));
            var fullKey = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value.Length == 0)
            {
                stack.Add((indent, key));
                continue;
            }
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            yield return (fullKey, value);
        }
    }
}
