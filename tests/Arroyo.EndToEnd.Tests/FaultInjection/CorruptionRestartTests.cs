namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// Damage to each kind of file in the state dir, then a restart through the real CLI: a
/// damaged checkpoint is skipped with a warning naming the file and the previous one is
/// restored; damage that leaves nothing safe to restore is refused without touching the
/// sinks' output. Either way nothing committed is lost or repeated.
/// </summary>
public sealed class CorruptionRestartTests(FaultTemplate template) : IClassFixture<FaultTemplate>
{
    /// <summary>File kinds (see <see cref="FaultPipeline.StateFileOf"/>; "manifest": the checkpoint's manifest).</summary>
    public static TheoryData<string, string, int> Damage()
    {
        var data = new TheoryData<string, string, int>();
        var seed = 1;
        // The file sink keeps no state table since its commits moved into the manifest (two-phase commit): "manifest" covers it.
        foreach (var kind in new[] { "manifest", "i", "fr:start", "updating_aggregates.v2", "window_aggregates" })
        {
            foreach (var fault in new[] { "flip", "truncate" }) data.Add(kind, fault, seed++);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_newest_checkpoint_falls_back_to_the_previous_one(string kind, string fault, int seed)
    {
        var pipeline = template.Reset();
        var file = kind == "manifest" ? pipeline.ManifestPath(template.Newest) : pipeline.StateFileOf(template.Newest, kind);
        var what = Faults.Apply(fault, file, new Random(seed));

        var outcome = pipeline.Run();

        Assert.True(outcome.ExitCode == 0, what + "\n" + outcome);
        Assert.Contains($"WARN checkpoint {template.Newest} cannot be restored ({pipeline.KeyOf(file)}", outcome.Stderr);
        Assert.Contains($"restoring from checkpoint {template.Previous}", outcome.Stderr);
        pipeline.AssertExactlyOnce();
    }

    [Fact]
    public void Without_the_newest_manifest_the_previous_checkpoint_is_restored()
    {
        var pipeline = template.Reset();
        File.Delete(pipeline.ManifestPath(template.Newest));
        var outcome = pipeline.Run();
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains($"restoring from checkpoint {template.Previous}", outcome.Stderr);
        pipeline.AssertExactlyOnce();
    }

    [Fact]
    public void Every_manifest_deleted_is_refused_and_the_output_kept_until_forced()
    {
        var pipeline = template.Reset();
        foreach (var epoch in pipeline.Epochs) File.Delete(pipeline.ManifestPath(epoch));
        var before = pipeline.SnapshotOutputs();

        var refused = pipeline.Run();
        AssertRefused(refused, "has no complete checkpoint left");
        Assert.Contains("manifests were deleted or lost", refused.Stderr);
        pipeline.AssertOutputsUnchanged(before);

        var forced = pipeline.Run(force: true);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        pipeline.AssertExactlyOnce();
    }

    [Theory]
    [InlineData("flip", 11)]
    [InlineData("truncate", 12)]
    public void Every_checkpoint_damaged_is_refused_and_the_output_kept(string fault, int seed)
    {
        var pipeline = template.Reset();
        var random = new Random(seed);
        foreach (var epoch in pipeline.Epochs) Faults.Apply(fault, pipeline.StateFileOf(epoch, "i"), random);
        var before = pipeline.SnapshotOutputs();

        var refused = pipeline.Run();
        AssertRefused(refused, "none of them can be read");
        foreach (var epoch in pipeline.Epochs) Assert.Contains($"WARN checkpoint {epoch} cannot be restored", refused.Stderr);
        pipeline.AssertOutputsUnchanged(before);
    }

    [Theory]
    [InlineData("flip", 21)]
    [InlineData("flip", 22)]
    [InlineData("truncate", 23)]
    public void A_damaged_pipeline_json_is_refused_and_the_output_kept_until_forced(string fault, int seed)
    {
        var pipeline = template.Reset();
        var what = Faults.Apply(fault, Path.Combine(pipeline.StateDir, "pipeline.json"), new Random(seed));
        var before = pipeline.SnapshotOutputs();

        var refused = pipeline.Run();
        AssertRefused(refused, "pipeline.json is damaged", what);
        pipeline.AssertOutputsUnchanged(before);

        var forced = pipeline.Run(force: true);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        pipeline.AssertExactlyOnce();
    }

    internal static void AssertRefused(Support.RunOutcome outcome, string reason, string? what = null)
    {
        Assert.True(outcome.ExitCode == 1, what + "\n" + outcome);
        Assert.Contains(reason, outcome.Stderr);
        Assert.Contains("--force", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }
}
