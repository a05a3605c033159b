using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Arroyo.Cli.Configuration;

/// <summary>TOML configuration (TOML 1.1 through Tomlyn): tables, dotted keys, every string form (''' and """ included).</summary>
internal static class TomlConfig
{
    public static void Flatten(string text, string path, List<(string Key, string Value)> entries)
    {
        // The serializer alone lets a repeated key win silently; the validating parser reports
        // it (and every syntax error) with its position, as TOML requires.
        var syntax = SyntaxParser.Parse(text, path, validate: true);
        if (syntax.HasErrors)
        {
            var first = syntax.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            throw ConfigFileReader.Malformed(path, text, first.Span.Start.Line + 1, first.Span.Start.Column + 1, first.Message);
        }
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = path, DuplicateKeyHandling = TomlDuplicateKeyHandling.Error }) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            var (line, column, message) = Describe(e);
            throw ConfigFileReader.Malformed(path, text, line, column, message);
        }
        Add(root, "", path, entries);
    }

    private static void Add(TomlTable table, string prefix, string path, List<(string, string)> entries)
    {
        foreach (var (key, value) in table)
        {
            var name = ConfigFileReader.Join(prefix, key);
            switch (value)
            {
                case TomlTable nested:
                    Add(nested, name, path, entries);
                    break;
                case TomlTableArray:
                    throw new Core.Errors.UserException($"config file '{path}': '{name}' is an array of tables; no configuration key takes one");
                case TomlArray array:
                    entries.Add((name, string.Join(',', array.Select(item => item is TomlTable or TomlArray
                        ? throw new Core.Errors.UserException($"config file '{path}': '{name}' holds nested arrays or tables; only scalars are allowed in it")
                        : ConfigFileReader.Scalar(item!)))));
                    break;
                case null:
                    break;
                default:
                    entries.Add((name, ConfigFileReader.Scalar(value)));
                    break;
            }
        }
    }

    // Tomlyn's positions are 0-based; its message repeats "file(line,col) : error :" in front.
    private static (int Line, int Column, string Message) Describe(TomlException e)
    {
        if (e.Diagnostics is { Count: > 0 } diagnostics)
        {
            var first = diagnostics[0];
            return (first.Span.Start.Line + 1, first.Span.Start.Column + 1, first.Message);
        }
        return ((e.Line ?? -1) + 1, (e.Column ?? -1) + 1, e.Message);
    }
}
