using Arroyo.Core.Errors;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// The reference's planner corpus (arroyo-planner) and the smoke corpus' --fail cases: each
/// query plans, or fails with a message containing the expected text. Skips when ../shared is absent.
/// </summary>
public sealed class PlannerCorpusTests
{
    public static TheoryData<string> PlannerCases() => Cases("arroyo-planner");

    public static TheoryData<string> SmokeCases() => Cases("arroyo-smoke");

    private static TheoryData<string> Cases(string corpus)
    {
        var data = new TheoryData<string>();
        var root = PlannerTestSupport.SharedConformance();
        if (root is null)
        {
            data.Add("");
            return data;
        }
        foreach (var file in Directory.GetFiles(Path.Combine(root, corpus, "queries"), "*.sql").Order())
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PlannerCases))]
    public void PlannerCorpus(string name) => Check("arroyo-planner", name, failOnly: false);

    [Theory]
    [MemberData(nameof(SmokeCases))]
    public void SmokeCorpusPlans(string name) => Check("arroyo-smoke", name, failOnly: false);

    private static void Check(string corpus, string name, bool failOnly)
    {
        var root = PlannerTestSupport.SharedConformance();
        Assert.SkipWhen(root is null || name.Length == 0, "../shared/conformance is not present");
        var sql = File.ReadAllText(Path.Combine(root!, corpus, "queries", name + ".sql"))
            .Replace("$input_dir", "/tmp/inputs").Replace("$output_path", "/tmp/output.json");
        Assert.SkipWhen(KnownGaps.TryGetValue(name, out var reason), reason ?? "");
        // As the reference's harness: only a --fail header marks an expected failure.
        var firstLine = sql.Split('\n')[0].Trim();
        string? expected = firstLine.StartsWith("--fail=", StringComparison.Ordinal) ? firstLine["--fail=".Length..].Trim() : null;
        var shouldFail = firstLine.StartsWith("--fail", StringComparison.Ordinal);
        if (!shouldFail && failOnly) return;
        try
        {
            var plan = PipelinePlanner.Plan(sql, PlannerTestSupport.ReferenceTestOptions(2));
            Assert.False(shouldFail, $"expected failure '{expected}', but it planned:\n{plan.Explain()}");
        }
        catch (UserException e) when (shouldFail)
        {
            if (expected is not null)
            {
                Assert.Contains(PlannerTestSupport.Collapse(expected), PlannerTestSupport.Collapse(e.Message));
            }
        }
    }

    /// <summary>Cases that need something outside the planner; each says what.</summary>
    private static readonly Dictionary<string, string?> KnownGaps = new()
    {
    };
}
