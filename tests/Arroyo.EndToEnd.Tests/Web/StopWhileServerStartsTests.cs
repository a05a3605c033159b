using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>
/// Ctrl-C that arrives while the HTTP server is still starting is the CLI's to handle: a final
/// checkpoint and exit 0, never an internal error from a server start cancelled under it.
/// </summary>
public sealed class StopWhileServerStartsTests
{
    [Fact]
    public void Sigint_right_after_the_pipeline_starts_takes_a_final_checkpoint_and_exits_0()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), ServedPipeline.CountingQuery);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        // The server starts before the pipeline; "running pipeline" is logged by the host once the
        // pipeline runs. The failure this guards against (the host's console lifetime cancelling a
        // bind in progress, seen in a Kafka restart test) needed the signal during the bind.
        Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
        running.Signal(2);
        var outcome = running.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }
}
