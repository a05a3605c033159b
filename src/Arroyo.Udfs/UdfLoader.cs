using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using Arroyo.Core.Errors;
using Arroyo.Udfs.Compilation;
using Arroyo.Udfs.Runtime;

namespace Arroyo.Udfs;

/// <summary>
/// Loads a run's UDFs: the assembly compiled from exactly these sources by this engine build is
/// taken from the cache dir (<c>HASH.dll</c>, the hash of the sources and of the engine
/// assemblies the generated code binds to) when present, else compiled once and written there.
/// The functions are then read from the assembly's generated manifest.
/// </summary>
public static class UdfLoader
{
    private const string FormatVersion = "arroyo-udfs 1";

    // One load per content per process (an assembly cannot be unloaded from the default context,
    // and tests start many pipelines with the same functions).
    private static readonly ConcurrentDictionary<string, Assembly> s_loaded = new(StringComparer.Ordinal);

    /// <summary>The default cache dir: <c>$XDG_CACHE_HOME/arroyo/udfs</c>, else <c>~/.cache/arroyo/udfs</c>.</summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "arroyo", "udfs");
    }

    /// <summary>
    /// Compiles (or finds in <paramref name="cacheDirectory"/>; null: no cache) the assembly of
    /// <paramref name="sources"/> and lists its functions. <paramref name="query"/> is the query
    /// text, to place errors inside its CREATE FUNCTION bodies.
    /// </summary>
    public static CompiledUdfs Load(IReadOnlyList<UdfSource> sources, string? cacheDirectory, string? query = null)
    {
        var clock = Stopwatch.StartNew();
        var hash = Hash(sources);
        var fromCache = true;
        var assembly = s_loaded.GetOrAdd(hash, _ =>
        {
            var cached = cacheDirectory is null ? null : Path.Combine(cacheDirectory, hash + ".dll");
            if (cached is not null && TryLoad(cached, hash) is { } loaded) return loaded;
            fromCache = false;
            var image = CompileWithoutInlining(sources, UdfNames.AssemblyPrefix + hash[..16], query);
            if (cached is not null) Store(cached, image);
            return LoadImage(image, hash);
        });
        var registration = new UdfRegistration();
        var register = assembly.GetType(UdfNames.ManifestType)?.GetMethod("Register")
            ?? throw new InvalidOperationException($"UDF assembly {assembly.GetName().Name} has no manifest (this is a bug)");
        register.Invoke(null, [registration]);
        return new CompiledUdfs(registration.Functions, hash, fromCache, clock.Elapsed);
    }

    // Kept out of line so that a run served from the cache never loads Roslyn's assemblies.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static byte[] CompileWithoutInlining(IReadOnlyList<UdfSource> sources, string assemblyName, string? query) =>
        UdfCompiler.Compile(sources, assemblyName, query);

    private static Assembly? TryLoad(string path, string hash)
    {
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // absent or unreadable: compile
        }
        try
        {
            return LoadImage(image, hash);
        }
        catch (BadImageFormatException)
        {
            return null; // a damaged cache entry is compiled again and overwritten
        }
    }

    private static Assembly LoadImage(byte[] image, string hash) =>
        new AssemblyLoadContext("udfs-" + hash[..16]).LoadFromStream(new MemoryStream(image));

    // Written to a temporary name and renamed, so a reader never sees half a file; a cache that
    // cannot be written only costs the next run a compile.
    private static void Store(string path, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.WriteAllBytes(temporary, image);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not fatal: the next run compiles again.
        }
    }

    private static string Hash(IReadOnlyList<UdfSource> sources)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(text));
            sha.AppendData([0]);
        }
        Add(FormatVersion);
        // The generated kernels bind to these assemblies' members: a new engine build compiles again.
        foreach (var type in new[] { typeof(ScalarUdfAttribute), typeof(Core.Columns.Column), typeof(Expressions.ScalarKernel), typeof(UdfLoader) })
        {
            Add(type.Assembly.ManifestModule.ModuleVersionId.ToString());
        }
        foreach (var source in sources)
        {
            Add(source.Name);
            Add(source.Text);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
