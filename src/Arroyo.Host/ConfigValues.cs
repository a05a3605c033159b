using System.Globalization;
using Arroyo.Core.Errors;
using Arroyo.Core.Time;

namespace Arroyo.Host;

/// <summary>
/// The run's configuration as layered by the caller (dotted lower-case keys, as in
/// <c>arroyo.toml</c>: <c>default-checkpoint-interval</c>, <c>pipeline.source-batch-size</c>),
/// read with types; a value that does not parse is a user error naming the key.
/// </summary>
public sealed class ConfigValues
{
    public ConfigValues(IReadOnlyDictionary<string, string> values)
    {
        Values = values;
    }

    public IReadOnlyDictionary<string, string> Values { get; }

    public string? Get(string key) => Values.TryGetValue(key, out var value) ? value : null;

    /// <summary>A duration such as <c>10s</c>, <c>500ms</c>, <c>1m 30s</c> or a number of seconds.</summary>
    public TimeSpan GetDuration(string key, TimeSpan fallback)
    {
        var text = Get(key);
        if (text is null) return fallback;
        return Durations.TryParse(text, out var value)
            ? value
            : throw new UserException($"configuration '{key}' = '{text}' is not a duration", hint: "write it like 10s, 500ms or 1m");
    }

    /// <summary>A duration that must be more than zero (an interval something is done at: <c>0s</c> would spin).</summary>
    public TimeSpan GetPositiveDuration(string key, TimeSpan fallback)
    {
        var value = GetDuration(key, fallback);
        if (value > TimeSpan.Zero) return value;
        throw new UserException($"configuration '{key}' = '{Get(key)}' must be longer than zero", hint: "write it like 10s or 500ms");
    }

    public int GetInt(string key, int fallback)
    {
        var text = Get(key);
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new UserException($"configuration '{key}' = '{text}' is not a positive whole number");
    }

    public int? GetOptionalInt(string key) => Get(key) is null ? null : GetInt(key, 0);
}
