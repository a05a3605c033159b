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
    // Where each key was last set (a file path or an environment variable), for the unknown-key error.
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Values => _values;

    public static ArroyoConfig Load(string workingDirectory, string? configFile, IReadOnlyDictionary<string, string> environment)
    {
        var config = new ArroyoConfig();
        config.Set("default-checkpoint-interval", "10s");
        config.Set("pipeline.update-aggregate-flush-interval", "1s");
        config.Set("pipeline.source-batch-size", "512");
        config.Set("pipeline.allowed-restarts", "20");

        foreach (var name in new[] { "arroyo.toml", "arroyo.yaml", "arroyo.yml" })
        {
            var path = Path.Combine(workingDirectory, name);
            if (File.Exists(path)) config.LoadFile(path);
        }
        if (configFile is not null)
        {
            config.LoadFile(configFile);
        }
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith("ARROYO__", StringComparison.Ordinal)) continue;
            var key = string.Join('.', name["ARROYO__".Length..].Split("__").Select(NormaliseSegment));
            config.Set(key, value, name);
        }
        // As the reference (its config structs deny unknown fields): a misspelt key is an error, not a silent default.
        foreach (var (key, origin) in config._origins)
        {
            if (!KnownConfigKeys.IsKnown(key)) throw KnownConfigKeys.Unknown(key, origin);
        }
        return config;
    }

    public string? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

    public void Set(string key, string value) => _values[Normalise(key)] = value;

    private void Set(string key, string value, string origin)
    {
        Set(key, value);
        _origins[Normalise(key)] = origin;
    }

    private void LoadFile(string path)
    {
        foreach (var (key, value) in ConfigFileReader.Read(path)) Set(key, value, path);
    }

    private static string Normalise(string key) => string.Join('.', key.Split('.').Select(NormaliseSegment));

    private static string NormaliseSegment(string segment) => segment.Trim().ToLowerInvariant().Replace('_', '-');
}
