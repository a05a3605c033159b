using Arroyo.Cli.Logging;

namespace Arroyo.Engine.Tests.Cli;

/// <summary>The debug line that gives the fixed cost of a run per phase.</summary>
public sealed class StartupCostTests
{
    [Fact]
    public void The_line_names_the_phase_the_cpu_time_and_the_jit_work()
    {
        Assert.Equal("cost: planned at 0.250 CPU-s, 1300 methods JIT-compiled in 0.125 s",
            StartupCost.At("planned", TimeSpan.FromMilliseconds(250), 1300, TimeSpan.FromMilliseconds(125)));
    }

    [Fact]
    public void The_live_line_reads_this_process()
    {
        var line = StartupCost.At("now");
        Assert.StartsWith("cost: now at ", line);
        Assert.DoesNotContain("at 0.000 CPU-s", line);
    }
}
