using Arroyo.Core.Errors;

namespace Arroyo.Sql.Tests;

/// <summary>Every conformance query (smoke and planner suites) must parse.</summary>
public sealed class ConformanceCorpusTests
{
    public static TheoryData<string> QueryFiles()
    {
        var data = new TheoryData<string>();
        var root = Arroyo.Tests.Shared.ConformanceCorpus.Root;
        if (root is null)
        {
            // xunit refuses an empty theory, so use a sentinel that the test turns into a skip.
            data.Add("");
            return data;
        }
        foreach (var suite in new[] { "arroyo-smoke", "arroyo-planner" })
        {
            var dir = Path.Combine(root, suite, "queries");
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.GetFiles(dir, "*.sql").Order(StringComparer.Ordinal))
            {
                data.Add(Path.Combine(suite, "queries", Path.GetFileName(file)));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(QueryFiles))]
    public void Parses(string relativePath)
    {
        var root = Arroyo.Tests.Shared.ConformanceCorpus.Root;
        Assert.SkipWhen(root is null || relativePath.Length == 0, "shared/conformance not found");
        var path = Path.Combine(root!, relativePath);
        var sql = File.ReadAllText(path);
        try
        {
            var statements = SqlParser.ParseScript(sql);
            Assert.NotEmpty(statements);
        }
        catch (UserException e)
        {
            Assert.Fail($"{relativePath}:\n{SqlErrorFormatter.Format(sql, e)}");
        }
    }
}
