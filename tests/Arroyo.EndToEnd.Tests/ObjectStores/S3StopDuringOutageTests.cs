using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// Ctrl-C while the store is down: the final checkpoint cannot be made durable, so the run
/// says so and exits 1 (nothing is reported committed that is not); once the store is back
/// the next run restores the last complete checkpoint and the output is exact.
/// </summary>
public sealed class S3StopDuringOutageTests
{
    [Fact]
    public async Task Ctrl_c_while_the_store_is_down_exits_1_and_the_next_run_is_exact()
    {
        await using var server = new S3rverFixture();
        await server.InitializeAsync();
        server.RequireRunning();
        var environment = new Dictionary<string, string>(server.Environment) { ["AWS_REGION"] = "us-east-1" };
        using var pipeline = new ObjectStorePipeline($"s3::{server.Endpoint}/{S3rverFixture.Bucket}/stop-outage", environment, rows: 12_000);
        var expected = pipeline.Expected;

        using (var running = pipeline.Start(ObjectStorePipeline.SlowedWithQuickRetries(checkpointInterval: "200ms", batch: 10, pollDelay: "40ms")))
        {
            Assert.True(running.WaitForLog("checkpoint 2 complete", TimeSpan.FromSeconds(60)), running.Stderr);
            server.Kill();
            var stderrBefore = running.Stderr.Length;
            // The run has seen the outage (a checkpoint failed) before it is asked to stop.
            Assert.True(ObjectStorePipeline.Eventually(() => running.Stderr[stderrBefore..].Contains("failed and will be retried", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "no checkpoint failed while the store was down:\n" + running.Stderr);
            running.Signal(2);
            // The stopping checkpoint exhausts its (quick) retries.
            var stopped = pipeline.Finish(running, TimeSpan.FromSeconds(60));
            Assert.True(stopped.ExitCode == 1, stopped.ToString());
            Assert.Contains("error: the final checkpoint", stopped.Stderr);
            Assert.Contains("could not be written", stopped.Stderr);
            Assert.Matches(@"the next run restores checkpoint \d+", stopped.Stderr);
            Assert.Contains($"caused by: S3 bucket '{S3rverFixture.Bucket}'", stopped.Stderr);
            Assert.Contains($"127.0.0.1:{server.Port}", stopped.Stderr);
            Assert.DoesNotContain("One or more errors occurred", stopped.Stderr);
            Assert.DoesNotContain("   at ", stopped.Stderr);
            Assert.DoesNotContain("pipeline finished", stopped.Stderr);
        }

        await server.RestartAsync();
        var restored = pipeline.RunToEnd();
        Assert.Contains("restoring from checkpoint", restored.Stderr);
        Assert.Equal(expected, pipeline.ActualOutput());
        pipeline.AssertNoSecretLogged(S3rverFixture.SecretKey);
    }
}
