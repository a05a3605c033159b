using System.Globalization;
using System.Text.RegularExpressions;
using Arroyo.Connectors.Options;
using Arroyo.Core.Time;

namespace Arroyo.Connectors.Filesystem.Options;

/// <summary>Option values as the reference reads them: data sizes ("128MB"), durations (<c>interval '10 minutes'</c>, "30s"), arrays (<c>[a, b]</c>).</summary>
internal static partial class OptionValues
{
    /// <summary>A byte count: a number, optionally with a unit (B, KB, KiB, MB, MiB, GB, GiB; decimal units are powers of 1000, binary of 1024).</summary>
    public static long? DataSize(OptionReader options, string name)
    {
        var text = options.String(name);
        if (text is null) return null;
        var match = DataSizeRegex().Match(text.Trim());
        if (!match.Success) throw options.Invalid(name, text, "a size in bytes such as 134217728, '128MB' or '64 MiB'");
        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var factor = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "" or "b" => 1d,
            "k" or "kb" => 1e3,
            "kib" => 1024d,
            "m" or "mb" => 1e6,
            "mib" => 1024d * 1024,
            "g" or "gb" => 1e9,
            "gib" => 1024d * 1024 * 1024,
            "t" or "tb" => 1e12,
            "tib" => 1024d * 1024 * 1024 * 1024,
            _ => double.NaN,
        };
        if (double.IsNaN(factor)) throw options.Invalid(name, text, "a size with the unit B, KB, KiB, MB, MiB, GB, GiB, TB or TiB");
        return (long)(number * factor);
    }

    /// <summary>A duration: <c>interval '…'</c>, '10 minutes', '30s', or a number of seconds.</summary>
    public static TimeSpan? Duration(OptionReader options, string name)
    {
        var text = options.String(name);
        if (text is null) return null;
        var body = text.Trim();
        if (body.StartsWith("interval", StringComparison.OrdinalIgnoreCase)) body = body["interval".Length..].Trim();
        body = body.Trim('\'', '"').Trim();
        if (!Durations.TryParse(body, out var value) || value <= TimeSpan.Zero)
        {
            throw options.Invalid(name, text, "a positive duration such as interval '10 minutes', '30s' or a number of seconds");
        }
        return value;
    }

    /// <summary>Whole seconds (the reference's legacy <c>*_seconds</c> options).</summary>
    public static TimeSpan? Seconds(OptionReader options, string name)
    {
        var seconds = options.Long(name, "a whole number of seconds");
        if (seconds is null) return null;
        if (seconds <= 0) throw options.Invalid(name, seconds.Value.ToString(CultureInfo.InvariantCulture), "a positive number of seconds");
        return TimeSpan.FromSeconds(seconds.Value);
    }

    /// <summary>A list of names: <c>[a, 'b']</c> or <c>'a, b'</c>.</summary>
    public static IReadOnlyList<string>? Names(OptionReader options, string name)
    {
        var text = options.String(name);
        if (text is null) return null;
        return text.Trim().TrimStart('[').TrimEnd(']')
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.Trim('\'', '"', '`'))
            .Where(n => n.Length > 0)
            .ToList();
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<unit>[A-Za-z]*)$")]
    private static partial Regex DataSizeRegex();
}
