using System.Text.RegularExpressions;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Formats;

namespace Arroyo.Connectors.Filesystem.Options;

public enum SourceCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>The filesystem source's options, with the reference's names (and its earlier <c>compression_format</c>, <c>source.regex-pattern</c> as aliases).</summary>
public sealed record FileSourceSettings
{
    public required StorageLocation Location { get; init; }

    public string? RegexPattern { get; init; }

    public SourceCompression Compression { get; init; }

    public static FileSourceSettings Read(OptionReader options, TableDefinition definition, FormatSettings? format)
    {
        var location = StorageLocation.Read(options);
        var name = options.Has("source.regex_pattern") || !options.Has("source.regex-pattern") ? "source.regex_pattern" : "source.regex-pattern";
        var pattern = options.String(name);
        if (pattern is not null)
        {
            try
            {
                _ = new Regex(pattern);
            }
            catch (ArgumentException e)
            {
                throw new UserException($"could not parse regex_pattern '{pattern}': {e.Message}", definition.SpanOf(name));
            }
        }
        var compression = options.Choice("source.compression", ["none", "zstd", "gzip"]) ?? options.Choice("compression_format", ["none", "zstd", "gzip"]);
        if (format is not null && format.Kind is not (FormatKind.Json or FormatKind.Parquet or FormatKind.RawString))
        {
            throw new UserException(
                $"the filesystem source reads the formats json, parquet and raw_string, not {format.Name} (table '{definition.Name}')",
                definition.SpanOf("format"));
        }
        if (format?.Kind == FormatKind.Parquet && compression is "gzip" or "zstd")
        {
            throw new UserException($"source.compression applies to json and raw_string files; Parquet files carry their own (table '{definition.Name}')",
                definition.SpanOf("source.compression"));
        }
        return new FileSourceSettings
        {
            Location = location,
            RegexPattern = pattern,
            Compression = compression switch
            {
                "gzip" => SourceCompression.Gzip,
                "zstd" => SourceCompression.Zstd,
                _ => SourceCompression.None,
            },
        };
    }
}
