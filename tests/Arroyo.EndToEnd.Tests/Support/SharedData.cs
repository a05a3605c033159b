namespace Arroyo.EndToEnd.Tests.Support;

/// <summary>Finds <c>../shared</c> (the conformance corpora beside the repo), if present.</summary>
public static class SharedData
{
    private static readonly Lazy<string?> s_conformance = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "conformance");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    });

    /// <summary>The conformance folder, or null when ../shared is absent.</summary>
    public static string? Conformance => s_conformance.Value;

    public static string RequireConformance()
    {
        if (Conformance is null) Assert.Skip("../shared/conformance is not present");
        return Conformance!;
    }
}
