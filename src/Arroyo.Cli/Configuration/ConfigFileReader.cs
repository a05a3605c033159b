using System.Globalization;
using Arroyo.Core.Errors;

namespace Arroyo.Cli.Configuration;

/// <summary>
/// Reads one configuration file (<c>.toml</c> with Tomlyn, anything else as YAML with
/// YamlDotNet) and flattens its nested tables to dotted keys, as the rest of the code reads
/// them (<c>[run] state-dir = …</c> → <c>run.state-dir</c>). Scalars become their text;
/// an array of scalars becomes its items joined by commas. A file that does not parse is a
/// <see cref="UserException"/> naming the file, line and column, with the line and a caret.
/// </summary>
internal static class ConfigFileReader
{
    public static IReadOnlyList<(string Key, string Value)> Read(string path)
    {
        var text = Commands.InputFiles.ReadText(path, "config file");
        var entries = new List<(string, string)>();
        if (path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase)) TomlConfig.Flatten(text, path, entries);
        else YamlConfig.Flatten(text, path, entries);
        return entries;
    }

    public static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    public static string Scalar(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// <c>config file 'F' is malformed at line L, column C: message</c>, the line and a caret.
    /// <paramref name="line"/> and <paramref name="column"/> are 1-based; 0 when unknown.
    /// </summary>
    public static UserException Malformed(string path, string text, int line, int column, string message)
    {
        var where = line > 0 ? $" at line {line}" + (column > 0 ? $", column {column}" : "") : "";
        var report = $"config file '{path}' is malformed{where}: {message}";
        var lines = text.Split('\n');
        if (line > 0 && line <= lines.Length)
        {
            var source = lines[line - 1].TrimEnd('\r');
            report += "\n  " + source;
            if (column > 0) report += "\n  " + new string(' ', Math.Min(column - 1, source.Length)) + "^";
        }
        return new UserException(report);
    }
}
