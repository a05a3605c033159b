using Arroyo.Core.Errors;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.Runtime;

public sealed class StateDirectoryTests
{
    private static StateDirectory.OpenOptions Options(string query, bool force = false, List<string>? log = null) =>
        new(query, "p", 1, force, line => log?.Add(line));

    private static async Task<CheckpointStore> OpenAndReleaseAsync(IObjectStore store, StateDirectory.OpenOptions options)
    {
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, options);
        await lease.DisposeAsync();
        return checkpoints;
    }

    private static async Task CompleteEpochAsync(IObjectStore store, long epoch)
    {
        var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT 1"));
        var writer = checkpoints.CreateWriter(epoch, 1, 0);
        await checkpoints.FinishWriterAsync(writer);
        checkpoints.CompleteCheckpoint(epoch, new Arroyo.State.CheckpointStats(epoch, TimeSpan.Zero, 0, false, false));
    }

    [Fact]
    public async Task A_different_query_is_refused_with_a_diff_and_the_force_hint()
    {
        var store = new InMemoryObjectStore();
        await OpenAndReleaseAsync(store, Options("SELECT a FROM t"));
        var error = await Assert.ThrowsAsync<UserException>(() => OpenAndReleaseAsync(store, Options("SELECT b FROM t")));
        Assert.Contains("different pipeline", error.Message);
        Assert.Contains("- SELECT a FROM t", error.Message);
        Assert.Contains("+ SELECT b FROM t", error.Message);
        Assert.Contains("--force", error.Hint);
    }

    [Fact]
    public async Task Force_takes_the_state_dir_over_and_starts_fresh()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT other", force: true));
        Assert.Null(checkpoints.RestoredEpoch);
        Assert.Empty(await store.ListAsync(StatePaths.CheckpointsPrefix));
        // From now on the dir belongs to the new query.
        await OpenAndReleaseAsync(store, Options("SELECT other"));
    }

    [Fact]
    public async Task Whitespace_changes_do_not_make_another_pipeline()
    {
        var store = new InMemoryObjectStore();
        await OpenAndReleaseAsync(store, Options("SELECT a\nFROM t"));
        await OpenAndReleaseAsync(store, Options("SELECT  a   FROM t  "));
    }

    [Fact]
    public async Task A_second_process_is_refused_while_the_lease_is_held()
    {
        var store = new InMemoryObjectStore();
        var (_, lease) = await StateDirectory.OpenAsync(store, Options("SELECT 1"));
        // Same process id and host: only an expired or released lease may be taken over.
        var error = await Assert.ThrowsAsync<UserException>(() => StateDirectory.OpenAsync(store, Options("SELECT 1")));
        Assert.Contains("in use by another arroyo process", error.Message);
        await lease.DisposeAsync();
        await OpenAndReleaseAsync(store, Options("SELECT 1"));
    }

    [Fact]
    public async Task A_damaged_newest_checkpoint_falls_back_to_the_previous_one()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        await CompleteEpochAsync(store, 2);
        await store.PutAsync(StatePaths.SubtaskState(2, 1, 0), new byte[] { 1, 2, 3 });
        var log = new List<string>();
        var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT 1", log: log));
        Assert.Equal(1, checkpoints.RestoredEpoch);
        Assert.Contains(log, l => l.Contains("warning: checkpoint 2 cannot be restored"));
    }

    [Fact]
    public async Task No_readable_checkpoint_refuses_to_start_unless_forced()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        await store.DeleteAsync(StatePaths.SubtaskState(1, 1, 0));
        var error = await Assert.ThrowsAsync<UserException>(() => OpenAndReleaseAsync(store, Options("SELECT 1")));
        Assert.Contains("none of them can be read", error.Message);
        var forced = await OpenAndReleaseAsync(store, Options("SELECT 1", force: true));
        Assert.Null(forced.RestoredEpoch);
    }
}
