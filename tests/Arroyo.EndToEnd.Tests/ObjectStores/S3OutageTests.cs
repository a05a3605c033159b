using System.Text.RegularExpressions;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.ObjectStores;

/// <summary>
/// The store goes down in the middle of a run: checkpoints fail with warnings while processing
/// goes on, checkpoints succeed again once it is back, and a restore from the state written
/// after the outage is exact. Each step waits for what it needs to see (a failed checkpoint,
/// output written during the outage, a checkpoint after it), not for a fixed time; quick retries
/// make a checkpoint against the dead store fail at once.
/// </summary>
public sealed partial class S3OutageTests
{
    [Fact]
    public async Task An_outage_fails_checkpoints_but_not_the_run()
    {
        // Its own server: this test kills it.
        await using var server = new S3rverFixture();
        await server.InitializeAsync();
        server.RequireRunning();
        var environment = new Dictionary<string, string>(server.Environment) { ["AWS_REGION"] = "us-east-1" };
        // 12,000 rows, 10 per poll, 40 ms apart: ~50 s of input, far longer than the steps below.
        using var pipeline = new ObjectStorePipeline($"s3::{server.Endpoint}/{S3rverFixture.Bucket}/outage", environment, rows: 12_000);
        var expected = pipeline.Expected;

        using (var running = pipeline.Start(ObjectStorePipeline.SlowedWithQuickRetries(checkpointInterval: "200ms", batch: 10, pollDelay: "40ms")))
        {
            Assert.True(running.WaitForLog("checkpoint 2 complete", TimeSpan.FromSeconds(60)), running.Stderr);
            server.Kill();
            var outputBefore = pipeline.ActualOutput().Count;
            var stderrBefore = running.Stderr.Length;

            Assert.True(ObjectStorePipeline.Eventually(() => running.Stderr[stderrBefore..].Contains("failed and will be retried", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "no checkpoint failed while the store was down:\n" + running.Stderr);
            Assert.True(ObjectStorePipeline.Eventually(() => pipeline.ActualOutput().Count > outputBefore + 5, TimeSpan.FromSeconds(60)),
                $"processing stalled during the outage ({outputBefore} → {pipeline.ActualOutput().Count} windows)\n{running.Stderr}");
            Assert.False(running.WaitForLog("error:", TimeSpan.Zero), "the run failed during the outage:\n" + running.Stderr);
            Assert.False(running.WaitForLog("pipeline finished", TimeSpan.Zero), "the run ended during the outage:\n" + running.Stderr);
            var lastBeforeRestart = CompletedEpochs(running.Stderr).DefaultIfEmpty(0).Max();

            await server.RestartAsync();
            Assert.True(ObjectStorePipeline.Eventually(() => CompletedEpochs(running.Stderr).DefaultIfEmpty(0).Max() > lastBeforeRestart, TimeSpan.FromSeconds(60)),
                "no checkpoint succeeded after the store came back:\n" + running.Stderr);
            Assert.False(running.WaitForLog("pipeline finished", TimeSpan.Zero), "the input ended before checkpoints recovered:\n" + running.Stderr);

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
