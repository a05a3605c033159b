using System.Globalization;

namespace Arroyo.Cli.Configuration;

/// <summary>
/// Configuration as the reference layers it, lowest first: built-in defaults,
/// <c>arroyo.toml</c> / <c>arroyo.yaml</c> in the working directory, a file named by
/// <c>--config</c>, then environment variables <c>ARROYO__SECTION__KEY</c>. Keys are dotted,
/// lower case, with '-' (env variables spell it '_'): <c>run.state-dir</c>,
/// <c>default-checkpoint-interval</c>, <c>pipeline.update-aggregate-flush-interval</c>.
/// </summary>
public sealed class ArroyoConfig
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Values => _values;

    public static ArroyoConfig Load(string workingDirectory, string? configFile, IReadOnlyDictionary<string, string> environment)
    {
        var config = new ArroyoConfig();
        config.Set("default-checkpoint-interval", "10s");
        config.Set("pipeline.update-aggregate-flush-interval", "1s");

        foreach (var name in new[] { "arroyo.toml", "arroyo.yaml", "arroyo.yml" })
        {
            var path = Path.Combine(workingDirectory, name);
            if (File.Exists(path)) config.LoadFile(path);
        }
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new Core.Errors.UserException($"config file '{configFile}' does not exist");
            }
            config.LoadFile(configFile);
        }
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith("ARROYO__", StringComparison.Ordinal)) continue;
            var key = string.Join('.', name["ARROYO__".Length..].Split("__").Select(NormaliseSegment));
            config.Set(key, value);
        }
        return config;
    }

    public string? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

    public void Set(string key, string value) => _values[Normalise(key)] = value;

    /// <summary>A duration option such as <c>10s</c>, <c>500ms</c>, <c>1m 30s</c> or a number of seconds.</summary>
    public TimeSpan GetDuration(string key, TimeSpan fallback)
    {
        var text = Get(key);
        if (text is null) return fallback;
        return Durations.TryParse(text, out var value)
            ? value
            : throw new Core.Errors.UserException($"configuration '{key}' = '{text}' is not a duration", hint: "write it like 10s, 500ms or 1m");
    }

    public int GetInt(string key, int fallback)
    {
        var text = Get(key);
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new Core.Errors.UserException($"configuration '{key}' = '{text}' is not a positive whole number");
    }

    private void LoadFile(string path)
    {
        foreach (var (key, value) in ConfigFileReader.Read(path)) Set(key, value);
    }

    private static string Normalise(string key) => string.Join('.', key.Split('.').Select(NormaliseSegment));

    private static string NormaliseSegment(string segment) => segment.Trim().ToLowerInvariant().Replace('_', '-');
}

/// <summary>Human-friendly durations, as the reference's configuration accepts them.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i) return false;
            var number = double.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            var unit = text[unitStart..i].ToLowerInvariant();
            TimeSpan? part = unit switch
            {
                "ns" or "nsec" => TimeSpan.FromTicks((long)(number / 100)),
                "us" or "usec" or "µs" => TimeSpan.FromMicroseconds(number),
                "ms" or "msec" or "millis" => TimeSpan.FromMilliseconds(number),
                "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(number),
                "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(number),
                "h" or "hr" or "hour" or "hours" => TimeSpan.FromHours(number),
                "d" or "day" or "days" => TimeSpan.FromDays(number),
                _ => null,
            };
            if (part is null) return false;
            total += part.Value;
        }
        value = total;
        return true;
    }
}
