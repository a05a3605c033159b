using System.Text.RegularExpressions;

namespace Arroyo.EndToEnd.Tests.Conformance;

/// <summary>One arroyo-smoke case: its SQL with placeholders, its header, its golden file.</summary>
public sealed class SmokeCase
{
    // These call user-defined functions: the corpus README's, written in C# in tests/Udfs/smoke.
    public static readonly IReadOnlySet<string> UdfCases = new HashSet<string> { "double_negative_udf", "async_udf", "udaf" };

    /// <summary>What the case adds to <c>arroyo run</c>: its UDF folder for the UDF cases.</summary>
    public IReadOnlyList<string> ExtraArguments => UdfCases.Contains(Name) ? ["--udf", Support.SharedData.TestUdfs("smoke")] : [];

    private SmokeCase(string name, string sql, string root)
    {
        Name = name;
        Sql = sql;
        Root = root;
        var firstLine = sql.Split('\n')[0].Trim();
        if (firstLine.StartsWith("--fail=", StringComparison.Ordinal)) ExpectedFailure = firstLine["--fail=".Length..].Trim();
        if (firstLine.StartsWith("--pk=", StringComparison.Ordinal)) PrimaryKey = firstLine["--pk=".Length..].Trim().Split(',');
    }

    public string Name { get; }

    public string Sql { get; }

    public string Root { get; }

    public string? ExpectedFailure { get; }

    public IReadOnlyList<string>? PrimaryKey { get; }

    public string GoldenPath => Path.Combine(Root, "golden_outputs", Name + ".json");

    public static SmokeCase Load(string conformanceDir, string name)
    {
        var root = Path.Combine(conformanceDir, "arroyo-smoke");
        return new SmokeCase(name, File.ReadAllText(Path.Combine(root, "queries", name + ".sql")), root);
    }

    public static IEnumerable<string> Names(string? conformanceDir) => conformanceDir is null
        ? []
        : Directory.GetFiles(Path.Combine(conformanceDir, "arroyo-smoke", "queries"), "*.sql")
            .Select(p => Path.GetFileNameWithoutExtension(p)!).Order(StringComparer.Ordinal);

    public string Render(string outputPath) => Sql
        .Replace("$input_dir", Path.Combine(Root, "inputs"))
        .Replace("$output_path", outputPath);

    public static string CollapseWhitespace(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}
