using Arroyo.Core.Errors;

namespace Arroyo.Udfs;

/// <summary>
/// One C# source of user functions: a file given with <c>--udf</c> or <c>run.udfs</c>, or the
/// functions of the query's <c>CREATE FUNCTION</c> statements. <paramref name="Name"/> is what
/// compile errors and stack traces show; name and text are the pipeline's identity.
/// </summary>
public sealed record UdfSource(string Name, string Text)
{
    /// <summary>
    /// The <c>.cs</c> files at <paramref name="paths"/> (a file, or a folder searched recursively),
    /// each named as given (folders: plus the file's path inside), in a stable order.
    /// </summary>
    public static IReadOnlyList<UdfSource> FromPaths(IEnumerable<string> paths, string workingDirectory)
    {
        var sources = new List<UdfSource>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var given in paths)
        {
            var full = Path.GetFullPath(given, workingDirectory);
            if (Directory.Exists(full))
            {
                var files = Directory.GetFiles(full, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0) throw new UserException($"UDF folder '{given}' holds no .cs files");
                foreach (var file in files)
                {
                    if (seen.Add(file)) sources.Add(Read(file, Path.Combine(given, Path.GetRelativePath(full, file))));
                }
            }
            else if (File.Exists(full))
            {
                if (!full.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
                {
                    throw new UserException($"UDF file '{given}' is not a C# file (.cs)", hint: "--udf takes a .cs file or a folder of them");
                }
                if (seen.Add(full)) sources.Add(Read(full, given));
            }
            else
            {
                throw new UserException($"UDF path '{given}' does not exist", hint: "--udf takes a .cs file or a folder of them");
            }
        }
        return sources;
    }

    private static UdfSource Read(string path, string name)
    {
        try
        {
            return new UdfSource(name, File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserException($"cannot read UDF file '{name}': {e.Message}");
        }
    }
}
