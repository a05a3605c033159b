using System.Text.RegularExpressions;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// The store goes down for 20 s in the middle of a run: checkpoints fail with warnings while
/// processing goes on, checkpoints succeed again once it is back, and a restore from the
/// state written after the outage is exact.
/// </summary>
public sealed partial class S3OutageTests
{
    [Fact]
    public async Task A_twenty_second_outage_fails_checkpoints_but_not_the_run()
    {
        // Its own server: this test kills it.
        await using var server = new S3rverFixture();
        await server.InitializeAsync();
        server.RequireRunning();
        var environment = new Dictionary<string, string>(server.Environment) { ["AWS_REGION"] = "us-east-1" };
        // 12,000 rows, 10 per poll, 40 ms apart: ~50 s of input, far longer than the outage.
        using var pipeline = new ObjectStorePipeline($"s3::{server.Endpoint}/{S3rverFixture.Bucket}/outage", environment, rows: 12_000);
        var expected = pipeline.Expected;

        using (var running = pipeline.Start(ObjectStorePipeline.Slowed(checkpointInterval: "200ms", batch: 10, pollDelay: "40ms")))
        {
            Assert.True(running.WaitForLog("checkpoint 2 complete", TimeSpan.FromSeconds(60)), running.Stderr);
            server.Kill();
            var outputBefore = pipeline.ActualOutput().Count;
            var stderrBefore = running.Stderr.Length;
            Thread.Sleep(TimeSpan.FromSeconds(20));

            Assert.False(running.WaitForLog("error:", TimeSpan.Zero), "the run failed during the outage:\n" + running.Stderr);
            Assert.False(running.WaitForLog("pipeline finished", TimeSpan.Zero), "the run ended during the outage:\n" + running.Stderr);
            Assert.True(pipeline.ActualOutput().Count > outputBefore + 10, $"processing stalled during the outage ({outputBefore} → {pipeline.ActualOutput().Count} windows)\n{running.Stderr}");
            Assert.Contains("failed and will be retried", running.Stderr[stderrBefore..]);
            var lastBeforeRestart = CompletedEpochs(running.Stderr).DefaultIfEmpty(0).Max();

            await server.RestartAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            while (CompletedEpochs(running.Stderr).DefaultIfEmpty(0).Max() <= lastBeforeRestart + 1 && DateTime.UtcNow < deadline)
            {
                Assert.False(running.WaitForLog("pipeline finished", TimeSpan.Zero), "the input ended before checkpoints recovered:\n" + running.Stderr);
                Thread.Sleep(100);
            }
            Assert.True(CompletedEpochs(running.Stderr).Max() > lastBeforeRestart + 1, "no checkpoint succeeded after the store came back:\n" + running.Stderr);

            running.Signal(2);
            var stopped = pipeline.Finish(running, TimeSpan.FromSeconds(60));
            Assert.True(stopped.ExitCode == 0, stopped.ToString());
            Assert.DoesNotContain("all sources reached the end of their input", stopped.Stderr);
        }
        Assert.True(pipeline.ActualOutput().Count < expected.Count, "the interrupted run already wrote every window");

        var restored = pipeline.RunToEnd();
        Assert.Contains("restoring from checkpoint", restored.Stderr);
        Assert.Equal(expected, pipeline.ActualOutput());
        pipeline.AssertNoSecretLogged(S3rverFixture.SecretKey);
    }

    private static IEnumerable<long> CompletedEpochs(string stderr) =>
        CompletedRegex().Matches(stderr).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"checkpoint (\d+) complete in")]
    private static partial Regex CompletedRegex();
}
