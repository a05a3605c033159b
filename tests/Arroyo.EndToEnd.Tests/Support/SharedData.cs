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
}
