using Arroyo.Cli.Commands;
using Arroyo.Cli.Configuration;
using Arroyo.Udfs;

namespace Arroyo.Cli.Composition;

/// <summary>
/// The run's C# user functions: the files of <c>--udf</c> and <c>run.udfs</c> (a comma-separated
/// list, or a TOML/YAML array) and the query's <c>CREATE FUNCTION</c> statements, compiled into
/// one assembly — or taken from the cache (<c>run.udf-cache-dir</c>, default
/// <c>~/.cache/arroyo/udfs</c>; empty: no cache) when these sources were compiled before.
/// </summary>
internal static class UserFunctions
{
    /// <param name="Files">The UDF files read, for the pipeline's identity.</param>
    /// <param name="Compiled">The functions, or null when the run has none.</param>
    public sealed record Loaded(IReadOnlyList<UdfSource> Files, CompiledUdfs? Compiled)
    {
        /// <summary>The files as the state dir records them: by file name (so moving the folder is no change) and text.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Identity =>
            Files.Select(f => KeyValuePair.Create(f.Name.Replace('\\', '/').Split('/')[^1], f.Text)).ToList();
    }

    public static Loaded Load(RunOptions options, ArroyoConfig config, string query, Log log)
    {
        var configured = (config.Get("run.udfs") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var files = UdfSource.FromPaths(options.Udfs.Concat(configured), Directory.GetCurrentDirectory());
        var sources = files.ToList();
        if (QueryFunctions.FromQuery(query) is { } fromQuery) sources.Add(fromQuery);
        if (sources.Count == 0) return new Loaded(files, null);

        var cache = config.Get("run.udf-cache-dir") ?? UdfLoader.DefaultCacheDirectory();
        var compiled = UdfLoader.Load(sources, cache.Length == 0 ? null : cache, query);
        log.Info($"{compiled.Functions.Count} user function{(compiled.Functions.Count == 1 ? "" : "s")} " +
                 $"({string.Join(", ", compiled.Functions.Select(f => f.Name))}) " +
                 $"{(compiled.FromCache ? "loaded from the cache" : "compiled")} in {compiled.Elapsed.TotalMilliseconds:0} ms");
        return new Loaded(files, compiled);
    }
}
