using Arroyo.Host;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>What the person at the terminal reads: levels that mean what they say, no .NET internals.</summary>
public sealed class MessageTests
{
    [Fact]
    public void Dropped_bad_records_are_a_warning_through_the_real_cli()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE t (a BIGINT) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json',
              type = 'source', bad_data = 'drop');
            SELECT a FROM t;
            """);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains(" WARN [", outcome.Stderr);
        Assert.Contains("dropped 1 records of", outcome.Stderr);
        Assert.DoesNotContain("warning:", outcome.Stderr);
    }

    [Fact]
    public void A_json_syntax_error_names_the_file_line_without_dotnet_positions()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"a\":1}\n{\"a\": x}\n");
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE t (a BIGINT) WITH (connector = 'single_file', path = '{dir.File("in.json")}', format = 'json', type = 'source');
            SELECT a FROM t;
            """);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"bad data in {dir.File("in.json")} line 2 (table 't'): invalid JSON at byte 7 of the record", outcome.Stderr);
        Assert.DoesNotContain("LineNumber", outcome.Stderr);
        Assert.DoesNotContain("BytePositionInLine", outcome.Stderr);
    }

    [Fact]
    public void A_query_file_that_is_a_directory_is_reported_as_one()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", dir.Path]);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: query file '{dir.Path}' is a directory, not a file", outcome.Stderr);
        Assert.DoesNotContain("does not exist", outcome.Stderr);
    }

    [Theory]
    [InlineData("dir", "it is a directory, not a file")]
    [InlineData("missing.json", "no such file")]
    public void A_source_path_that_cannot_be_read_says_why_in_plain_words(string name, string reason)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("dir"));
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE t (a BIGINT) WITH (connector = 'single_file', path = '{dir.File(name)}', format = 'json', type = 'source');
            SELECT a FROM t;
            """);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: cannot read '{dir.File(name)}' for table 't': {reason}", outcome.Stderr);
        Assert.DoesNotContain("Access to the path", outcome.Stderr);
        Assert.DoesNotContain("Could not find", outcome.Stderr);
    }

    [Fact]
    public void A_config_file_that_is_a_directory_is_reported_as_one()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "--config", dir.Path], stdin: "SELECT 1");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: config file '{dir.Path}' is a directory, not a file", outcome.Stderr);
    }
}
