using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

public sealed class HelpTests
{
    [Fact]
    public void Run_help_has_the_documented_usage_argument_and_options()
    {
        var outcome = ArroyoProcess.Run(["run", "--help"]);
        Assert.Equal(0, outcome.ExitCode);
        var help = outcome.Stdout.Replace("\r", "");
        Assert.StartsWith("Run a query as a local pipeline cluster\n\nUsage: arroyo run [OPTIONS] [QUERY]\n", help);
        Assert.Contains("Arguments:\n  [QUERY]  The query to run [default: -]\n", help);
        Assert.Contains(
            "Options:\n" +
            "  -n, --name <NAME>                Name for this pipeline\n" +
            "  -s, --state-dir <STATE_DIR>      Directory or URL where checkpoints and metadata\n" +
            "                                   will be written and restored from\n" +
            "  -p, --parallelism <PARALLELISM>  Number of parallel subtasks to run [default: 1]\n" +
            "  -f, --force                      Force the pipeline to start even if the state\n" +
            "                                   file does not match the query\n" +
            "  -h, --help                       Print help\n", help);
        // Ours, after the reference's options: the config file and the progress line switch.
        Assert.Contains("  -q, --quiet                      Do not show the live progress line on stderr\n", help);
    }

    [Fact]
    public void Short_help_flag_prints_the_same()
    {
        Assert.Equal(ArroyoProcess.Run(["run", "--help"]).Stdout, ArroyoProcess.Run(["run", "-h"]).Stdout);
    }

    [Fact]
    public void Bad_parallelism_is_a_usage_error_without_stack_trace()
    {
        var outcome = ArroyoProcess.Run(["run", "-p", "zero", "q.sql"]);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("--parallelism", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public void Unknown_option_suggests_the_closest()
    {
        var outcome = ArroyoProcess.Run(["run", "--paralelism", "2"]);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("Did you mean '--parallelism'?", outcome.Stderr);
    }
}
