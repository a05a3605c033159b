namespace Arroyo.EndToEnd.Tests.Support;

/// <summary>Finds <c>../shared</c> (the conformance corpora beside the repo), if present.</summary>
public static class SharedData
{
    /// <summary>The conformance folder, or null when ../shared is absent.</summary>
    public static string? Conformance => Arroyo.Tests.Shared.ConformanceCorpus.Root;

    public static string RequireConformance()
    {
        if (Conformance is null) Assert.Skip("../shared/conformance is not present");
        return Conformance!;
    }

    /// <summary>tests/Udfs/<paramref name="folder"/>: C# UDF files the tests pass with <c>--udf</c>, as a user would.</summary>
    public static string TestUdfs(string folder)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Udfs", folder);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/Udfs/{folder} not found above {AppContext.BaseDirectory}");
    }
}
