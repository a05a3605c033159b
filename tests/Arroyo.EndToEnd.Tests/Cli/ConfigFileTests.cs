using Arroyo.Cli.Configuration;
using Arroyo.Core.Errors;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.Host;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>arroyo.toml / arroyo.yaml / --config files: nesting, string forms, errors, and the environment over them.</summary>
public sealed class ConfigFileTests
{
    private static readonly Dictionary<string, string> s_noEnvironment = [];

    [Fact]
    public void Nested_toml_tables_and_dotted_keys_flatten_to_lower_case_dotted_keys()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), """
            [pipeline]
            Source_Batch_Size = 128
            compaction.enabled = true
            [logging.static-fields.c]
            flag = true
            ratio = 0.5
            list = [1, 2, 3]
            """);
        var config = ArroyoConfig.Load(dir.Path, null, s_noEnvironment);
        Assert.Equal(128, Typed(config).GetInt("pipeline.source-batch-size", 0));
        Assert.Equal("true", config.Get("pipeline.compaction.enabled"));
        // A free-form table (the reference's static log fields) takes any nested keys.
        Assert.Equal("true", config.Get("logging.static-fields.c.flag"));
        Assert.Equal("0.5", config.Get("logging.static-fields.c.ratio"));
        Assert.Equal("1,2,3", config.Get("logging.static-fields.c.list"));
    }

    [Fact]
    public void Nested_yaml_mappings_flatten_to_dotted_keys()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.yaml"), """
            # comment
            default-checkpoint-interval: 3s
            run:
              state_dir: "/from/yaml"   # trailing comment
              name: ~
            pipeline:
              update-aggregate-flush-interval: 200ms
            logging:
              static-fields:
                deeper: 'x: y # not a comment'
            """);
        var config = ArroyoConfig.Load(dir.Path, null, s_noEnvironment);
        Assert.Equal(TimeSpan.FromSeconds(3), Typed(config).GetDuration("default-checkpoint-interval", TimeSpan.Zero));
        Assert.Equal("/from/yaml", config.Get("run.state-dir"));
        Assert.Null(config.Get("run.name"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), Typed(config).GetDuration("pipeline.update-aggregate-flush-interval", TimeSpan.Zero));
        Assert.Equal("x: y # not a comment", config.Get("logging.static-fields.deeper"));
    }

    public static TheoryData<string, string> MultiLineQueries => new()
    {
        { "arroyo.toml", "[run]\nquery = '''\nSELECT 1\nFROM t;\n'''\n" },
        { "arroyo.toml", "[run]\nquery = \"\"\"\nSELECT 1\nFROM t;\n\"\"\"\n" },
        { "arroyo.yaml", "run:\n  query: |\n    SELECT 1\n    FROM t;\n" },
    };

    [Theory]
    [MemberData(nameof(MultiLineQueries))]
    public void A_multi_line_query_is_read_whole(string name, string content)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(name), content);
        var config = ArroyoConfig.Load(dir.Path, null, s_noEnvironment);
        Assert.Equal("SELECT 1\nFROM t;\n", config.Get("run.query"));
    }

    public static TheoryData<string, string, int, int> MalformedFiles => new()
    {
        { "arroyo.toml", "[run]\nname = \"ok\"\nstate-dir = \n", 3, 13 },
        { "arroyo.toml", "[run\nname = 1\n", 1, 5 },
        { "arroyo.toml", "[run]\nname = 'a'\nname = 'b'\n", 3, 1 },
        { "arroyo.yaml", "run:\n  name: a\n name2: [b\n", 3, 2 },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void A_malformed_file_names_the_file_line_and_column(string name, string content, int line, int column)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(name), content);
        var error = Assert.Throws<UserException>(() => ArroyoConfig.Load(dir.Path, null, s_noEnvironment));
        Assert.True(error.Message.Contains($"config file '{dir.File(name)}' is malformed at line {line}, column {column}: ", StringComparison.Ordinal), error.Message);
        Assert.True(error.Message.Contains("\n  " + content.Split('\n')[line - 1] + "\n  " + new string(' ', column - 1) + "^", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void The_environment_overrides_a_nested_file_value()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), "[pipeline]\nsource-batch-size = 128\n[run]\nname = 'file'\n");
        var config = ArroyoConfig.Load(dir.Path, null, new Dictionary<string, string> { ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "64" });
        Assert.Equal(64, Typed(config).GetInt("pipeline.source-batch-size", 0));
        Assert.Equal("file", config.Get("run.name"));
    }

    private const string Query = """
        CREATE TABLE impulse WITH (
          connector = 'impulse',
          event_rate = '1000000',
          message_count = '3'
        );
        SELECT counter FROM impulse;
        """;

    [Fact]
    public void The_cli_runs_a_multi_line_query_from_arroyo_toml_in_the_working_directory()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), $"[run]\nquery = '''\n{Query}\n'''\n");
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], workingDirectory: dir.Path);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(["{\"counter\":0}", "{\"counter\":1}", "{\"counter\":2}"], Lines(outcome.Stdout));
    }

    [Fact]
    public void The_cli_runs_a_yaml_block_scalar_query_from_config_and_the_environment_wins_over_it()
    {
        using var dir = new TempDirectory();
        var indented = string.Join('\n', Query.Split('\n').Select(l => "    " + l));
        File.WriteAllText(dir.File("extra.yaml"), $"run:\n  query: |\n{indented}\n");
        var fromFile = ArroyoProcess.Run(["run", "-s", dir.File("state1"), "--config", dir.File("extra.yaml")], workingDirectory: dir.Path);
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal(3, Lines(fromFile.Stdout).Length);

        var fromEnvironment = ArroyoProcess.Run(["run", "-s", dir.File("state2"), "--config", dir.File("extra.yaml")], workingDirectory: dir.Path,
            environment: new Dictionary<string, string> { ["ARROYO__RUN__QUERY"] = Query.Replace("'3'", "'1'") });
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.Equal(["{\"counter\":0}"], Lines(fromEnvironment.Stdout));
    }

    [Fact]
    public void The_cli_reports_a_malformed_config_file_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), "[run]\nquery = '''\nSELECT 1\n");
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], workingDirectory: dir.Path);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: config file '{dir.File("arroyo.toml")}' is malformed at line", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    private static ConfigValues Typed(ArroyoConfig config) => new(config.Values);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
