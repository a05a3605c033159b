using Arroyo.Cli.Composition;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// EXPLAIN of representative pipelines, of every bench/nexmark query and of every smoke-corpus
/// query against files in Planner/Goldens (a query that does not plan records its error). Set
/// ARROYO_REGENERATE_GOLDENS=1 to rewrite the files, then review the diff.
/// </summary>
public sealed class PlannerGoldenTests
{
    private const string Cars = """
        CREATE TABLE cars (
          timestamp TIMESTAMP,
          driver_id BIGINT,
          event_type TEXT,
          location TEXT,
          WATERMARK FOR timestamp AS (timestamp - INTERVAL '1 minute')
        ) WITH (connector = 'single_file', path = '/data/cars.json', format = 'json', type = 'source');

        """;

    public static TheoryData<string, string> Queries() => new()
    {
        { "projection_filter", Cars + "SELECT driver_id * 2 AS d, upper(event_type) FROM cars WHERE driver_id % 2 = 0;" },
        { "tumble_aggregate", Cars + """
            CREATE TABLE out (hour TIMESTAMP, event_type TEXT, count BIGINT)
              WITH (connector = 'single_file', path = '/data/out.json', format = 'json', type = 'sink');
            INSERT INTO out SELECT window.start, event_type, count FROM (
              SELECT tumble(INTERVAL '1' HOUR) AS window, event_type, count(*) AS count FROM cars GROUP BY 1, 2);
            """ },
        { "updating_aggregate", Cars + """
            SET updating_ttl = INTERVAL '5' SECOND;
            SELECT event_type, count(DISTINCT driver_id) AS drivers FROM cars GROUP BY event_type HAVING count(*) > 1;
            """ },
        { "windowed_join_top_n", Cars + """
            SELECT * FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY window ORDER BY count DESC) AS rn FROM (
                SELECT a.window, a.count, b.drivers FROM
                  (SELECT hop(INTERVAL '1 minute', INTERVAL '5 minutes') AS window, count(*) AS count FROM cars GROUP BY 1) a
                  JOIN (SELECT hop(INTERVAL '1 minute', INTERVAL '5 minutes') AS window, count(DISTINCT driver_id) AS drivers FROM cars GROUP BY 1) b
                  ON a.window = b.window))
            WHERE rn <= 3;
            """ },
        { "memory_table_union", Cars + """
            CREATE TABLE mem (driver BIGINT, kind TEXT);
            INSERT INTO mem SELECT driver_id, event_type FROM cars WHERE event_type = 'pickup'
              UNION ALL SELECT driver_id, location FROM cars;
            SELECT kind, driver FROM mem;
            SELECT count(*) FROM mem GROUP BY kind;
            """ },
    };

    public static TheoryData<string, string> NexmarkQueries()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(PlannerTestSupport.NexmarkDirectory(), "q*.sql").Order(StringComparer.Ordinal))
        {
            data.Add("nexmark_" + Path.GetFileNameWithoutExtension(file), File.ReadAllText(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NexmarkQueries))]
    public void NexmarkExplainMatchesGolden(string name, string sql) => ExplainMatchesGolden(name, sql);

    /// <summary>
    /// EXPLAIN of every query of the reference's smoke corpus (in ../shared; skipped when absent),
    /// with its input and output paths replaced by fixed ones so the goldens hold on any machine.
    /// </summary>
    [Theory]
    [MemberData(nameof(PlanJsonTests.SmokeQueries), MemberType = typeof(PlanJsonTests))]
    public void SmokeExplainMatchesGolden(string name)
    {
        var root = PlannerTestSupport.SharedConformance();
        Assert.SkipWhen(root is null || name.Length == 0, "../shared/conformance is not present");
        var sql = File.ReadAllText(Path.Combine(root!, "arroyo-smoke", "queries", name + ".sql"))
            .Replace("$input_dir", "/corpus/inputs").Replace("$output_path", "/corpus/output.json");
        ExplainMatchesGolden("smoke/" + name, sql);
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void ExplainMatchesGolden(string name, string sql)
    {
        string explained;
        try
        {
            explained = "-- plan\n" + PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = 2 }).Explain();
        }
        catch (Arroyo.Core.Errors.UserException e) when (name.StartsWith("nexmark_", StringComparison.Ordinal) || name.StartsWith("smoke/", StringComparison.Ordinal))
        {
            explained = "-- does not plan yet\n" + e.Message + "\n";
        }
        var actual = $"-- {name}\n{sql.Trim()}\n\n{explained}".Replace("\r\n", "\n");
        var path = Path.Combine(GoldenDirectory(), name + ".txt");
        if (Environment.GetEnvironmentVariable("ARROYO_REGENERATE_GOLDENS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"missing golden file {path}; run with ARROYO_REGENERATE_GOLDENS=1");
        Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n"), actual);
    }


    private static string GoldenDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Arroyo.Engine.Tests", "Planner", "Goldens");
            if (Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "Planner", "Goldens");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Arroyo.Engine.Tests.csproj"))) return candidate;
        }
        throw new DirectoryNotFoundException("Planner/Goldens not found above " + AppContext.BaseDirectory);
    }
}
