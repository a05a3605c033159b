using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Udfs;

/// <summary>C# UDFs through the real CLI: --udf files, CREATE FUNCTION, the cache, errors, and the pipeline's identity.</summary>
public sealed class UdfCliTests
{
    private const string Source = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '5');
        CREATE TABLE out (n BIGINT) WITH (connector = 'single_file', path = '$output', format = 'json', type = 'sink');
        """;

    private const string Negation = """
        namespace My;
        public static class Negation
        {
            [ScalarUdf] public static long double_negative(ulong x) => -2 * (long)x;
        }
        """;

    [Fact]
    public void A_udf_file_is_compiled_once_then_served_from_the_cache()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("negation.cs"), Negation);
        var query = Query(dir, "INSERT INTO out SELECT double_negative(counter) FROM impulse");
        var cache = new Dictionary<string, string> { ["ARROYO__RUN__UDF_CACHE_DIR"] = dir.File("cache") };

        var cold = ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("state1"), query], environment: cache);
        Assert.True(cold.ExitCode == 0, cold.ToString());
        Assert.Contains("1 user function (double_negative) compiled in", cold.Stderr);
        Assert.Equal(new[] { "{\"n\":0}", "{\"n\":-2}", "{\"n\":-4}", "{\"n\":-6}", "{\"n\":-8}" }.Order(), File.ReadAllLines(dir.File("out.json")).Order());
        Assert.Single(Directory.GetFiles(dir.File("cache"), "*.dll"));

        File.Delete(dir.File("out.json"));
        var warm = ArroyoProcess.Run(["run", "--udf", dir.Path, "-s", dir.File("state2"), query], environment: cache);
        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.Contains("1 user function (double_negative) loaded from the cache in", warm.Stderr);
        Assert.Equal(5, File.ReadAllLines(dir.File("out.json")).Length);
    }

    [Fact]
    public void A_damaged_cache_entry_is_compiled_again()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("negation.cs"), Negation);
        var query = Query(dir, "INSERT INTO out SELECT double_negative(counter) FROM impulse");
        var cache = new Dictionary<string, string> { ["ARROYO__RUN__UDF_CACHE_DIR"] = dir.File("cache") };
        Assert.Equal(0, ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("s1"), query], environment: cache).ExitCode);
        var entry = Assert.Single(Directory.GetFiles(dir.File("cache"), "*.dll"));
        File.WriteAllText(entry, "not an assembly");

        var again = ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("s2"), query], environment: cache);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("compiled in", again.Stderr);
    }

    /// <summary>
    /// A UDAF's group values are operator state: stopped at a checkpoint mid-input at parallelism
    /// 2 and restored at 3, the window's result is that of all the input.
    /// </summary>
    [Fact]
    public void Udaf_state_survives_a_stop_and_a_restore_at_another_parallelism()
    {
        using var dir = new TempDirectory();
        var query = dir.File("query.sql");
        File.WriteAllText(query, $"""
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000', message_count = '2000');
            CREATE TABLE out (median DOUBLE, product BIGINT UNSIGNED)
                WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT median, product FROM (
                SELECT tumble(interval '1 day') AS w, my_median(counter) AS median, max_product(counter, counter) AS product
                FROM impulse GROUP BY 1);
            """);
        var udfs = SharedData.TestUdfs("smoke");
        var first = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), "--udf", udfs, query], environment: new Dictionary<string, string>
        {
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "50ms",
            ["ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS"] = "3",
        });
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.False(File.Exists(dir.File("out.json")) && File.ReadAllText(dir.File("out.json")).Length > 0, "the first run stopped before the input ended");

        var second = ArroyoProcess.Run(["run", "-p", "3", "-s", dir.File("state"), "--udf", udfs, query]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("restoring from checkpoint", second.Stderr);
        Assert.Equal(["{\"median\":999.5,\"product\":3996001}"], File.ReadAllLines(dir.File("out.json")));
    }

    [Fact]
    public void Create_function_in_the_query_runs_without_any_file()
    {
        using var dir = new TempDirectory();
        var query = Query(dir, """
            CREATE FUNCTION plus_ten(x BIGINT UNSIGNED) RETURNS BIGINT LANGUAGE csharp AS $$
                return (long)x + 10;
            $$;
            INSERT INTO out SELECT plus_ten(counter) FROM impulse
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), query]);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(["{\"n\":10}", "{\"n\":11}", "{\"n\":12}", "{\"n\":13}", "{\"n\":14}"], File.ReadAllLines(dir.File("out.json")).Order());
    }

    [Fact]
    public void A_compile_error_in_a_file_names_the_file_line_and_column_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("broken.cs"), "public static class B\n{\n    [ScalarUdf] public static long f(long x) => x +;\n}\n");
        var outcome = ArroyoProcess.Run(["run", "--udf", dir.File("broken.cs"), Query(dir, "INSERT INTO out SELECT f(1) FROM impulse")]);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("broken.cs(3,52): error CS1525: Invalid expression term ';'", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void A_compile_error_in_create_function_is_shown_under_its_query_line()
    {
        using var dir = new TempDirectory();
        var query = Query(dir, "CREATE FUNCTION f(x BIGINT) RETURNS BIGINT LANGUAGE csharp AS $$ x + nope $$;\nINSERT INTO out SELECT f(1) FROM impulse");
        var outcome = ArroyoProcess.Run(["run", query]);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("error at line 3, column 70:", outcome.Stderr);
        Assert.Contains("The name 'nope' does not exist in the current context", outcome.Stderr);
        Assert.Contains("^^^^", outcome.Stderr);
    }

    [Fact]
    public void A_throwing_udf_stops_the_run_with_the_function_and_the_row()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("picky.cs"), """
            public static class Picky
            {
                [ScalarUdf]
                public static long picky(ulong x) => x == 3 ? throw new ArgumentException("three is not allowed") : (long)x;
            }
            """);
        var outcome = ArroyoProcess.Run(["run", "--udf", dir.File("picky.cs"), Query(dir, "INSERT INTO out SELECT picky(counter) FROM impulse")]);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: user function 'picky' threw ArgumentException: three is not allowed at {dir.File("picky.cs")} line 4 on row (x = 3)",
            outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void A_changed_udf_is_a_changed_pipeline_refused_without_force()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("negation.cs"), Negation);
        var query = Query(dir, "INSERT INTO out SELECT double_negative(counter) FROM impulse");
        Assert.Equal(0, ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("state"), query]).ExitCode);

        File.WriteAllText(dir.File("negation.cs"), Negation.Replace("-2 *", "-3 *"));
        var refused = ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("state"), query]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("belongs to a different pipeline", refused.Stderr);
        Assert.Contains("+ [ScalarUdf] public static long double_negative(ulong x) => -3 * (long)x;", refused.Stderr);

        var forced = ArroyoProcess.Run(["run", "--udf", dir.File("negation.cs"), "-s", dir.File("state"), "--force", query]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
    }

    [Fact]
    public void Udfs_come_from_the_config_too_and_a_missing_path_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("negation.cs"), Negation);
        var query = Query(dir, "INSERT INTO out SELECT double_negative(counter) FROM impulse");
        var configured = ArroyoProcess.Run(["run", query], environment: new Dictionary<string, string> { ["ARROYO__RUN__UDFS"] = dir.File("negation.cs") });
        Assert.True(configured.ExitCode == 0, configured.ToString());

        var missing = ArroyoProcess.Run(["run", "--udf", dir.File("nope.cs"), query]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"UDF path '{dir.File("nope.cs")}' does not exist", missing.Stderr);
    }

    private static string Query(TempDirectory dir, string body)
    {
        var path = dir.File("query.sql");
        File.WriteAllText(path, Source.Replace("$output", dir.File("out.json")) + "\n" + body);
        return path;
    }
}
