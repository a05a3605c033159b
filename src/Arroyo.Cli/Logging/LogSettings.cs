using Arroyo.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Arroyo.Cli.Logging;

/// <summary>
/// <c>logging.format</c> (the reference's: plaintext, json, logfmt) and <c>logging.level</c>
/// (<c>ARROYO__LOGGING__LEVEL</c>; RUST_LOG-like: a level — trace, debug, info, warn, error,
/// off — or <c>target=level</c> pairs of which those for <c>arroyo</c> count, e.g.
/// <c>warn,arroyo=debug</c>).
/// </summary>
public static class LogSettings
{
    private static readonly string[] s_levels = ["trace", "debug", "info", "warn", "error", "off"];

    public static void Apply(Log log, IReadOnlyDictionary<string, string> config)
    {
        if (config.TryGetValue("logging.format", out var format))
        {
            log.Format = format.Trim().ToLowerInvariant() switch
            {
                "plaintext" => LogFormat.Plaintext,
                "json" => LogFormat.Json,
                "logfmt" => LogFormat.Logfmt,
                _ => throw new UserException($"configuration 'logging.format' = '{format}' is not a log format" +
                    Suggestions.DidYouMean(format, ["plaintext", "json", "logfmt"])),
            };
        }
        if (config.TryGetValue("logging.level", out var level)) log.MinimumLevel = ParseLevel(level);
    }

    public static LogLevel ParseLevel(string text)
    {
        LogLevel? chosen = null;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            var target = eq < 0 ? null : part[..eq].Trim();
            var name = (eq < 0 ? part : part[(eq + 1)..]).Trim().ToLowerInvariant();
            var parsed = name switch
            {
                "trace" => LogLevel.Trace,
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Information,
                "warn" or "warning" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "off" => LogLevel.None,
                _ => throw new UserException($"configuration 'logging.level' = '{text}': '{name}' is not a log level" +
                    Suggestions.DidYouMean(name, s_levels), hint: "write a level (trace, debug, info, warn, error, off) or target=level pairs"),
            };
            // A directive for a target names that target; only arroyo's (and its modules', arroyo_*) apply here.
            if (target is null) chosen ??= parsed;
            else if (target == "arroyo" || target.StartsWith("arroyo_", StringComparison.Ordinal) || target.StartsWith("arroyo::", StringComparison.Ordinal)) chosen = parsed;
        }
        return chosen ?? LogLevel.Information;
    }
}
