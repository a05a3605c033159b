namespace Arroyo.Tests.Shared;

/// <summary>
/// Finds <c>../shared/conformance</c> (the reference's corpora, kept beside the repo, not in it)
/// by walking up from the test binaries. Linked into every test project that reads the corpora,
/// so they all find it — or skip — the same way.
/// </summary>
internal static class ConformanceCorpus
{
    private static readonly Lazy<string?> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "conformance");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    });

    /// <summary>The conformance folder, or null when ../shared is absent.</summary>
    public static string? Root => s_root.Value;
}
