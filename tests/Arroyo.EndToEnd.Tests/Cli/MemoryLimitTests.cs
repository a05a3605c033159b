using System.Diagnostics;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>
/// A run whose state outgrows the memory it may use fails with a clear error naming the limit,
/// inside a real memory cgroup (as a container) without the kernel's OOM killer, and under a
/// heap limit the user set.
/// </summary>
public sealed class MemoryLimitTests
{
    // Every counter is its own key: state grows by tens of bytes per event, at millions of events a second.
    private const string GrowingState = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100000000');
        CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
        INSERT INTO out SELECT counter AS k, count(*) AS c FROM impulse GROUP BY counter;
        """;

    [Fact]
    public void A_run_in_a_memory_cgroup_stays_inside_it_and_fails_with_a_clear_error()
    {
        const long limit = 256L << 20;
        using var group = MemoryCgroup.TryCreate(limit, out var whyNot);
        if (group is null) Assert.Skip(whyNot);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), GrowingState);
        var script = $"{group.EnterCommand} dotnet '{ArroyoProcess.CliPath}' run -s '{dir.File("state")}' '{dir.File("q.sql")}'";
        var info = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = dir.Path,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the run did not end within 3 minutes; stderr:\n{stderr.Result}");
        }
        var text = stderr.Result;
        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode} (137 = killed by the OOM killer); stderr:\n{text}");
        Assert.Contains("memory: 128 MB heap limit from the cgroup memory limit of 256 MB", text);
        Assert.Contains("error: out of memory", text);
        Assert.Contains("(heap limit 128 MB)", text);
        Assert.Equal(0, group.OomKills);
        if (group.PeakBytes is { } peak) Assert.True(peak <= limit, $"peak {peak} bytes above the {limit}-byte limit");
        _ = stdout.Result;
    }

    [Fact]
    public void A_heap_limit_the_user_set_is_kept_and_named_in_the_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), GrowingState);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x6000000" }, timeout: TimeSpan.FromMinutes(3));
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        Assert.Contains("error: out of memory", outcome.Stderr);
        Assert.Contains("(heap limit 96 MB)", outcome.Stderr);
    }
}
