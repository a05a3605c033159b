using Arroyo.Core.Time;
using Arroyo.Cli.Commands;
using Arroyo.Cli.Configuration;
using Arroyo.Core.Errors;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.Host;

namespace Arroyo.EndToEnd.Tests.Cli;

public sealed class ConfigurationTests
{
    [Fact]
    public void Layers_apply_in_order_defaults_toml_config_file_then_environment()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), """
            default-checkpoint-interval = "5s"   # from the working dir
            [run]
            state-dir = "/from/toml"
            name = 'toml-name'
            [pipeline]
            update-aggregate-flush-interval = "2s"
            """);
        File.WriteAllText(dir.File("extra.yaml"), """
            run:
              name: yaml-name
            """);
        var config = ArroyoConfig.Load(dir.Path, dir.File("extra.yaml"), new Dictionary<string, string>
        {
            ["ARROYO__RUN__STATE_DIR"] = "/from/env",
            ["ARROYO__PIPELINE__UPDATE_AGGREGATE_FLUSH_INTERVAL"] = "250ms",
            ["UNRELATED"] = "x",
        });
        Assert.Equal(TimeSpan.FromSeconds(5), new ConfigValues(config.Values).GetDuration("default-checkpoint-interval", TimeSpan.Zero));
        Assert.Equal("/from/env", config.Get("run.state-dir"));
        Assert.Equal("yaml-name", config.Get("run.name"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), new ConfigValues(config.Values).GetDuration("pipeline.update-aggregate-flush-interval", TimeSpan.Zero));
    }

    [Fact]
    public void Defaults_hold_without_any_file()
    {
        using var dir = new TempDirectory();
        var config = ArroyoConfig.Load(dir.Path, null, new Dictionary<string, string>());
        Assert.Equal(TimeSpan.FromSeconds(10), new ConfigValues(config.Values).GetDuration("default-checkpoint-interval", TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(1), new ConfigValues(config.Values).GetDuration("pipeline.update-aggregate-flush-interval", TimeSpan.Zero));
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1m 30s", 90_000)]
    [InlineData("2", 2_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_parse_like_the_reference(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Fact]
    public void A_bad_duration_names_the_key()
    {
        using var dir = new TempDirectory();
        var config = ArroyoConfig.Load(dir.Path, null, new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "soon" });
        var error = Assert.Throws<UserException>(() => new ConfigValues(config.Values).GetDuration("default-checkpoint-interval", TimeSpan.Zero));
        Assert.Contains("default-checkpoint-interval", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_refused_with_where_it_came_from_and_a_suggestion()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), """
            [pipeline]
            source-batch-sise = 100
            """);
        var error = Assert.Throws<UserException>(() => ArroyoConfig.Load(dir.Path, null, new Dictionary<string, string>()));
        Assert.Contains("unknown configuration key 'pipeline.source-batch-sise'", error.Message);
        Assert.Contains(dir.File("arroyo.toml"), error.Message);
        Assert.Contains("Did you mean 'pipeline.source-batch-size'?", error.Message);

        using var empty = new TempDirectory();
        var fromEnv = Assert.Throws<UserException>(() => ArroyoConfig.Load(empty.Path, null,
            new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVALS"] = "5s" }));
        Assert.Contains("'default-checkpoint-intervals' (from ARROYO__DEFAULT_CHECKPOINT_INTERVALS)", fromEnv.Message);
        Assert.Contains("Did you mean 'default-checkpoint-interval'?", fromEnv.Message);
    }

    [Fact]
    public void Keys_of_the_reference_are_accepted_and_defaults_are_the_reference_s()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("arroyo.toml"), """
            [controller]
            rpc-port = 9000
            [pipeline]
            source-batch-linger = "10ms"
            [kubernetes-scheduler.worker.node-selector]
            zone = "a"
            """);
        var config = ArroyoConfig.Load(dir.Path, null, new Dictionary<string, string> { ["ARROYO__PIPELINE__HEALTHY_DURATION"] = "1m" });
        Assert.Equal("512", config.Get("pipeline.source-batch-size"));
        Assert.Equal("20", config.Get("pipeline.allowed-restarts"));
    }

    [Fact]
    public void Command_line_parses_every_option()
    {
        var parsed = Assert.IsType<CommandLine.Run>(CommandLine.Parse(["run", "-n", "p1", "--state-dir=s3://b/k", "-p", "3", "-f", "q.sql"]));
        Assert.Equal(new RunOptions { Name = "p1", StateDir = "s3://b/k", Parallelism = 3, Force = true, Query = "q.sql" }, parsed.Options);
        var defaults = Assert.IsType<CommandLine.Run>(CommandLine.Parse(["run"]));
        Assert.Equal("-", defaults.Options.Query);
        Assert.Equal(1, defaults.Options.Parallelism);
    }

    [Fact]
    public void Two_queries_are_a_usage_error()
    {
        var error = Assert.Throws<UserException>(() => CommandLine.Parse(["run", "a.sql", "b.sql"]));
        Assert.Contains("only one query", error.Message);
    }
}
