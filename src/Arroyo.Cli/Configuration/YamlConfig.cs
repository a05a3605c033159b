using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Arroyo.Cli.Configuration;

/// <summary>YAML configuration (YamlDotNet): nested mappings, every scalar style (block scalars <c>|</c> and <c>&gt;</c> included).</summary>
internal static class YamlConfig
{
    public static void Flatten(string text, string path, List<(string Key, string Value)> entries)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // Marks are 1-based; the message of a wrapped exception is the more precise one.
            var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
            throw ConfigFileReader.Malformed(path, text, (int)e.Start.Line, (int)e.Start.Column, message);
        }
        foreach (var document in stream.Documents)
        {
            switch (document.RootNode)
            {
                case YamlMappingNode mapping:
                    Add(mapping, "", path, text, entries);
                    break;
                case YamlScalarNode { Value: null or "" }:
                    break;
                case var other:
                    throw Shape(path, text, other, "the file must be a mapping of keys to values");
            }
        }
    }

    private static void Add(YamlMappingNode mapping, string prefix, string path, string text, List<(string, string)> entries)
    {
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key }) throw Shape(path, text, keyNode, "a key must be a plain name");
            var name = ConfigFileReader.Join(prefix, key);
            switch (value)
            {
                case YamlMappingNode nested:
                    Add(nested, name, path, text, entries);
                    break;
                case YamlSequenceNode sequence:
                    entries.Add((name, string.Join(',', sequence.Children.Select(item => item is YamlScalarNode { Value: { } v }
                        ? v
                        : throw Shape(path, text, item, $"'{name}' may hold only scalars")))));
                    break;
                case YamlScalarNode scalar:
                    // A key without a value (`run:` alone, `~`, `null`) sets nothing.
                    if (scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null") break;
                    entries.Add((name, scalar.Value ?? ""));
                    break;
            }
        }
    }

    private static Core.Errors.UserException Shape(string path, string text, YamlNode node, string message) =>
        ConfigFileReader.Malformed(path, text, (int)node.Start.Line, (int)node.Start.Column, message);
}
