using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

public sealed class QueryInputTests
{
    private const string Query = """
        CREATE TABLE impulse WITH (
          connector = 'impulse',
          event_rate = '1000000',
          message_count = '10'
        );
        SELECT counter * 2 AS d FROM impulse WHERE counter % 2 = 0;
        """;

    private static readonly string[] s_expected = ["{\"d\":0}", "{\"d\":4}", "{\"d\":8}", "{\"d\":12}", "{\"d\":16}"];

    [Fact]
    public void Query_from_stdin_prints_json_lines()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: Query);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(s_expected, Lines(outcome.Stdout));
    }

    [Fact]
    public void Query_from_file_argument_gives_the_same_output()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(s_expected, Lines(outcome.Stdout));
    }

    [Fact]
    public void Query_from_environment_wins_over_the_argument()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), "does-not-exist.sql"],
            environment: new Dictionary<string, string> { ["ARROYO__RUN__QUERY"] = Query });
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(s_expected, Lines(outcome.Stdout));
    }

    [Fact]
    public void Parallelism_4_runs_message_count_per_subtask()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-p", "4", "-s", dir.File("state")], stdin: Query);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var lines = Lines(outcome.Stdout);
        Assert.Equal(20, lines.Length);
        Assert.Equal(s_expected.SelectMany(l => Enumerable.Repeat(l, 4)).Order(), lines.Order());
    }

    [Fact]
    public void Malformed_query_reports_line_column_and_caret()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: "CREATE TABLE t WITH (connector = 'impulse');\nSELECT counter FROM t WHERE ;\n");
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("error at line 2, column 29", outcome.Stderr);
        Assert.Contains("SELECT counter FROM t WHERE ;", outcome.Stderr);
        Assert.Contains("^", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void Unknown_column_names_the_closest_one()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")],
            stdin: "CREATE TABLE t WITH (connector = 'impulse', event_rate = '10', message_count = '1');\nSELECT countr FROM t;\n");
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("counter", outcome.Stderr);
        Assert.Contains("line 2", outcome.Stderr);
    }

    [Fact]
    public void Empty_stdin_is_a_clear_error()
    {
        var outcome = ArroyoProcess.Run(["run"], stdin: "");
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("no query given", outcome.Stderr);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
