using Arroyo.Execution;
using Arroyo.State.Checkpoints;
using Arroyo.Storage.Testing;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.Runtime;

public sealed class EngineCheckpointTests
{
    private static RunSettings Settings(int? stopAfter = null, TimeSpan? pollDelay = null, List<string>? log = null) => new()
    {
        CheckpointInterval = TimeSpan.FromMilliseconds(20),
        StopAfterCheckpoints = stopAfter,
        SourcePollDelay = pollDelay ?? TimeSpan.Zero,
        Log = line => { if (log is not null) lock (log) log.Add(line); },
    };

    private static long Run(IObjectStore store, long count, int parallelism, TestPipeline.Results results, RunSettings settings, string query = "q")
    {
        var (checkpoints, lease) = StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions(query, "test", parallelism, false, settings.Log))
            .GetAwaiter().GetResult();
        try
        {
            return new Arroyo.Runtime.Engine(TestPipeline.Graph(count, 2, parallelism, results), TestPipeline.Registry(), checkpoints, settings)
                .Run(CancellationToken.None).LastCheckpointEpoch;
        }
        finally
        {
            lease.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    public void Straight_run_reaches_the_exact_result_and_a_final_checkpoint()
    {
        var store = new InMemoryObjectStore();
        var results = new TestPipeline.Results();
        var epoch = Run(store, 1000, 3, results, Settings());
        Assert.Equal(TestPipeline.Expected(1000, 2), results.Snapshot());
        Assert.True(epoch >= 1);
        Assert.True(store.ExistsAsync(StatePaths.Manifest(epoch)).Result);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    [InlineData(1, 2)]
    public void Stop_at_a_checkpoint_then_restore_at_another_parallelism_is_exact(int first, int second)
    {
        var store = new InMemoryObjectStore();
        // Long enough (2000 polls × 2 ms) that the stop lands mid-input even on a loaded machine.
        var stopped = new TestPipeline.Results();
        Run(store, 20_000, first, stopped, Settings(stopAfter: 2, pollDelay: TimeSpan.FromMilliseconds(2)));
        Assert.NotEqual(TestPipeline.Expected(20_000, 2), stopped.Snapshot());

        var log = new List<string>();
        var restored = new TestPipeline.Results();
        Run(store, 20_000, second, restored, Settings(log: log));
        Assert.Contains(log, l => l.StartsWith("restoring from checkpoint", StringComparison.Ordinal));
        Assert.Equal(TestPipeline.Expected(20_000, 2), restored.Snapshot());
    }

    [Fact]
    public void A_checkpoint_whose_state_cannot_be_written_is_never_reported_complete()
    {
        var inner = new InMemoryObjectStore();
        var store = new FaultInjectingObjectStore(inner);
        // Every state file of epoch 2 fails; the run must carry on and later checkpoints succeed.
        store.FailWrites(key => key.StartsWith(StatePaths.EpochDirectory(2), StringComparison.Ordinal));
        var log = new List<string>();
        var results = new TestPipeline.Results();
        var last = Run(store, 3000, 2, results, Settings(pollDelay: TimeSpan.FromMilliseconds(1), log: log));

        Assert.Equal(TestPipeline.Expected(3000, 2), results.Snapshot());
        Assert.False(inner.ExistsAsync(StatePaths.Manifest(2)).Result);
        Assert.Contains(log, l => l.Contains("checkpoint 2 failed", StringComparison.Ordinal));
        Assert.True(last > 2);
        Assert.True(inner.ExistsAsync(StatePaths.Manifest(last)).Result);
    }
}
