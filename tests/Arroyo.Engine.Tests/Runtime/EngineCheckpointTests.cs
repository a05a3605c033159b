using System.Collections.Concurrent;
using Arroyo.Execution;
using Arroyo.Runtime;
using Arroyo.State.Checkpoints;
using Arroyo.Storage.Testing;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>
/// The engine with its coordinator, subtasks and a real checkpoint store. Checkpoints are
/// requested explicitly and sources held at a row count, so where a checkpoint falls in the
/// input never depends on timing.
/// </summary>
public sealed class EngineCheckpointTests
{
    private static RunSettings Settings(TimeSpan? interval = null, List<string>? log = null) => new()
    {
        CheckpointInterval = interval ?? Timeout.InfiniteTimeSpan,
        Logger = new Arroyo.Tests.Shared.ListLogger(log),
    };

    /// <summary>A started engine over a state dir, with its events; disposing releases the state dir.</summary>
    private sealed class TestRun : IDisposable
    {
        private readonly StateLease _lease;
        private readonly BlockingCollection<EngineEvent> _events = new();

        public TestRun(IObjectStore store, long count, int parallelism, TestPipeline.Results results, RunSettings settings)
        {
            (var checkpoints, _lease) = StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions("q", "test", parallelism, false, settings.Logger))
                .GetAwaiter().GetResult();
            Engine = new Arroyo.Runtime.Engine(TestPipeline.Graph(count, 2, parallelism, results), TestPipeline.Registry(), checkpoints, settings)
                .Start(_events.Add);
        }

        public EngineRun Engine { get; }

        public T WaitFor<T>(Func<T, bool>? match = null) where T : EngineEvent
        {
            while (_events.TryTake(out var next, TimeSpan.FromMinutes(1)))
            {
                if (next is T wanted && (match?.Invoke(wanted) ?? true)) return wanted;
            }
            throw new TimeoutException($"no {typeof(T).Name} within a minute");
        }

        public long Checkpoint()
        {
            Engine.RequestCheckpoint();
            return WaitFor<EngineEvent.CheckpointCompleted>().Epoch;
        }

        public long Finish() => Engine.Completion.GetAwaiter().GetResult().LastCheckpointEpoch;

        public void Dispose()
        {
            if (!Engine.Completion.IsCompleted)
            {
                Engine.RequestStop();
                Engine.Completion.ContinueWith(_ => { }).Wait();
            }
            _lease.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    public void Straight_run_reaches_the_exact_result_and_a_final_checkpoint()
    {
        var store = new InMemoryObjectStore();
        var results = new TestPipeline.Results();
        // A short interval too: periodic checkpoints may fall anywhere without changing the result.
        using var run = new TestRun(store, 1000, 3, results, Settings(TimeSpan.FromMilliseconds(20)));
        var epoch = run.Finish();
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
        var stopped = new TestPipeline.Results { HoldAt = 10_000 };
        stopped.CloseGate();
        using (var run = new TestRun(store, 20_000, first, stopped, Settings()))
        {
            Assert.Equal(1, run.Checkpoint());
            stopped.WaitUntilHeld(2);
            Assert.Equal(2, run.Checkpoint());
            run.Engine.RequestStop();
            Assert.Equal(3, run.Finish());
        }
        Assert.Equal(TestPipeline.Expected(10_000, 2), stopped.Snapshot());

        var log = new List<string>();
        var restored = new TestPipeline.Results();
        using (var run = new TestRun(store, 20_000, second, restored, Settings(log: log)))
        {
            Assert.Equal(4, run.Finish());
        }
        Assert.Contains(log, l => l.StartsWith("restoring from checkpoint 3", StringComparison.Ordinal));
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
        var results = new TestPipeline.Results { HoldAt = 1500 };
        results.CloseGate();
        using var run = new TestRun(store, 3000, 2, results, Settings(log: log));

        Assert.Equal(1, run.Checkpoint());
        run.Engine.RequestCheckpoint();
        var failed = run.WaitFor<EngineEvent.CheckpointFailed>();
        Assert.Equal(2, failed.Epoch);
        Assert.False(failed.ThenStop);
        Assert.Equal(3, run.Checkpoint());
        results.OpenGate();
        var last = run.Finish();

        Assert.Equal(TestPipeline.Expected(3000, 2), results.Snapshot());
        Assert.False(inner.ExistsAsync(StatePaths.Manifest(2)).Result);
        Assert.Contains(log, l => l.Contains("checkpoint 2 failed", StringComparison.Ordinal));
        Assert.Equal(4, last);
        Assert.True(inner.ExistsAsync(StatePaths.Manifest(4)).Result);
        Assert.DoesNotContain(results.Commits(), c => c.Epoch == 2);
    }

    [Fact]
    public void Every_subtask_commits_after_the_manifest_with_the_data_of_all_and_a_restore_replays_it()
    {
        var store = new InMemoryObjectStore();
        var results = new TestPipeline.Results { HoldAt = 500, ManifestExists = epoch => store.ExistsAsync(StatePaths.Manifest(epoch)).Result };
        results.CloseGate();
        using (var run = new TestRun(store, 1000, 2, results, Settings()))
        {
            Assert.Equal(1, run.Checkpoint());
            var commits = results.WaitForCommits(1, 2);
            Assert.Equal([0, 1], commits.Select(c => c.Receiver).Order());
            Assert.All(commits, c =>
            {
                Assert.False(c.IsReplay);
                Assert.True(c.ManifestExisted, "commit before the manifest was durable");
                Assert.Equal([0, 1], c.Data.Keys.Order());
                Assert.Equal([1, 1], c.Data[1]);
            });

            // Checkpoint 2's manifest is written, then its commit fails: the run dies between the two.
            results.FailCommitOf = 2;
            run.Engine.RequestCheckpoint();
            Assert.Equal(2, run.WaitFor<EngineEvent.CheckpointCompleted>().Epoch);
            var error = Assert.Throws<IOException>(() => run.Finish());
            Assert.Equal("commit 2 failed", error.Message);
        }

        // The next run, at another parallelism, commits checkpoint 2 again before anything else.
        var restored = new TestPipeline.Results();
        using (var run = new TestRun(store, 1000, 3, restored, Settings()))
        {
            run.Finish();
        }
        var replays = restored.Commits().Where(c => c.IsReplay).ToList();
        Assert.Equal([0, 1, 2], replays.Select(c => c.Receiver).Order());
        Assert.All(replays, c =>
        {
            Assert.Equal(2, c.Epoch);
            Assert.True(c.BeforeAnyBatch);
            Assert.Equal([0, 1], c.Data.Keys.Order());
            Assert.Equal([2, 1], c.Data[1]);
        });
        Assert.Equal(TestPipeline.Expected(1000, 2), restored.Snapshot());
    }
}
