using Arroyo.Core.Errors;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.Runtime;

public sealed class StateDirectoryTests
{
    private static StateDirectory.OpenOptions Options(string query, bool force = false, List<string>? log = null) =>
        new(query, "p", 1, force, new Arroyo.Tests.Shared.ListLogger(log));

    private static async Task<CheckpointStore> OpenAndReleaseAsync(IObjectStore store, StateDirectory.OpenOptions options)
    {
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, options);
        await lease.DisposeAsync();
        return checkpoints;
    }

    private static async Task CompleteEpochAsync(IObjectStore store, long epoch, string query = "SELECT 1")
    {
        var checkpoints = await OpenAndReleaseAsync(store, Options(query));
        var writer = checkpoints.CreateWriter(epoch, 1, 0);
        var files = await checkpoints.FinishWriterAsync(writer);
        await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = epoch, Files = [.. files] });
    }

    [Fact]
    public async Task A_different_query_is_refused_with_a_diff_and_the_force_hint()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1, "SELECT a FROM t");
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

    [Fact]
    public async Task A_big_state_is_written_in_parts_and_restored_whole()
    {
        var store = new InMemoryObjectStore();
        var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT 1"));
        checkpoints.PartBytes = 20_000;
        var writer = checkpoints.CreateWriter(1, 3, 0);
        var schema = new Arroyo.Core.Types.Schema([
            new(Arroyo.Execution.StateColumns.KeyHashColumn, Arroyo.Core.Types.DataType.UInt64, false),
            new("v", Arroyo.Core.Types.DataType.Int64, false)]);
        for (var b = 0; b < 40; b++)
        {
            var rows = Enumerable.Range(b * 500, 500).ToArray();
            writer.WriteTable(b % 2 == 0 ? "even" : "odd", new Arroyo.Core.Batch(schema,
            [
                new Arroyo.Core.Columns.PrimitiveColumn<ulong>(Arroyo.Core.Types.DataType.UInt64, rows.Select(r => (ulong)r * 0x9E3779B97F4A7C15UL).ToArray()),
                new Arroyo.Core.Columns.PrimitiveColumn<long>(Arroyo.Core.Types.DataType.Int64, rows.Select(r => (long)r).ToArray()),
            ], rows.Length));
        }
        var written = await checkpoints.FinishWriterAsync(writer);
        await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = 1, Files = [.. written] });
        var files = (await store.ListAsync(StatePaths.NodeDirectory(1, 3))).Select(o => o.Key).ToList();
        Assert.True(files.Count >= 10, $"{files.Count} parts");
        Assert.All(files, f => Assert.EndsWith(".state", f, StringComparison.Ordinal));

        var restored = await OpenAndReleaseAsync(store, Options("SELECT 1"));
        Assert.Equal(1, restored.RestoredEpoch);
        var values = new List<long>();
        foreach (var table in new[] { "even", "odd" })
        {
            foreach (var batch in restored.CreateReader(3, 0, 1).ReadTable(table))
            {
                values.AddRange(((Arroyo.Core.Columns.PrimitiveColumn<long>)batch.Columns[1]).Values.AsSpan(0, batch.RowCount).ToArray());
            }
        }
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), values.Order());
    }
    [Fact]
    public async Task A_state_dir_without_a_completed_checkpoint_is_free_for_another_query()
    {
        var store = new InMemoryObjectStore();
        var first = await OpenAndReleaseAsync(store, Options("SELECT a FROM t"));
        // The first run wrote state files but failed before its manifest.
        await first.FinishWriterAsync(first.CreateWriter(1, 1, 0));
        var log = new List<string>();
        var second = await OpenAndReleaseAsync(store, Options("SELECT b FROM t", log: log));
        Assert.Null(second.RestoredEpoch);
        Assert.Contains(log, l => l.Contains("never completed a checkpoint"));
        Assert.Empty(await store.ListAsync(StatePaths.CheckpointsPrefix));
        Assert.Equal("SELECT b FROM t", PipelineRecord.Deserialize((await store.GetAsync(StatePaths.Pipeline))!).Query);
    }

    [Fact]
    public async Task The_first_completed_checkpoint_is_recorded_in_pipeline_json()
    {
        var store = new InMemoryObjectStore();
        await OpenAndReleaseAsync(store, Options("SELECT 1"));
        Assert.False(PipelineRecord.Deserialize((await store.GetAsync(StatePaths.Pipeline))!).Checkpointed);
        await CompleteEpochAsync(store, 1);
        Assert.True(PipelineRecord.Deserialize((await store.GetAsync(StatePaths.Pipeline))!).Checkpointed);
    }

    [Fact]
    public async Task Checkpoints_whose_manifests_are_all_gone_are_refused_unless_forced()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        await CompleteEpochAsync(store, 2);
        await store.DeleteAsync(StatePaths.Manifest(1));
        await store.DeleteAsync(StatePaths.Manifest(2));
        var error = await Assert.ThrowsAsync<UserException>(() => OpenAndReleaseAsync(store, Options("SELECT 1")));
        Assert.Contains("no complete checkpoint left", error.Message);
        Assert.Contains("--force", error.Hint);
        Assert.NotEmpty(await store.ListAsync(StatePaths.CheckpointsPrefix));

        var forced = await OpenAndReleaseAsync(store, Options("SELECT 1", force: true));
        Assert.Null(forced.RestoredEpoch);
        Assert.Empty(await store.ListAsync(StatePaths.CheckpointsPrefix));
    }

    [Fact]
    public async Task A_damaged_pipeline_json_is_refused_unless_forced()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        var bytes = (await store.GetAsync(StatePaths.Pipeline))!;
        bytes[bytes.Length / 2] ^= 0x01;
        await store.PutAsync(StatePaths.Pipeline, bytes);
        var error = await Assert.ThrowsAsync<UserException>(() => OpenAndReleaseAsync(store, Options("SELECT 1")));
        Assert.Contains("pipeline.json is damaged", error.Message);
        var forced = await OpenAndReleaseAsync(store, Options("SELECT 1", force: true));
        Assert.Null(forced.RestoredEpoch);
    }

    [Fact]
    public async Task A_manifest_with_one_changed_byte_falls_back_with_a_warning_naming_it()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        await CompleteEpochAsync(store, 2);
        var pristine = (await store.GetAsync(StatePaths.Manifest(2)))!;
        for (var offset = 0; offset < pristine.Length; offset += 7)
        {
            var damaged = (byte[])pristine.Clone();
            damaged[offset] ^= 0x04;
            await store.PutAsync(StatePaths.Manifest(2), damaged);
            var log = new List<string>();
            var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT 1", log: log));
            Assert.True(checkpoints.RestoredEpoch == 1, $"byte {offset}: restored {checkpoints.RestoredEpoch}");
            Assert.Contains(log, l => l.Contains($"warning: checkpoint 2 cannot be restored ({StatePaths.Manifest(2)}"));
        }
    }

    [Fact]
    public async Task A_state_file_listed_with_another_checksum_falls_back()
    {
        var store = new InMemoryObjectStore();
        await CompleteEpochAsync(store, 1);
        await CompleteEpochAsync(store, 2);
        // A valid state file, but not the one the manifest lists (here: another epoch's, with other content).
        var other = await OpenAndReleaseAsync(store, Options("SELECT 1"));
        var writer = other.CreateWriter(9, 1, 0);
        writer.WriteTable("t", new Arroyo.Core.Batch(new Arroyo.Core.Types.Schema([new(Arroyo.Execution.StateColumns.KeyHashColumn, Arroyo.Core.Types.DataType.UInt64, false)]),
            [new Arroyo.Core.Columns.PrimitiveColumn<ulong>(Arroyo.Core.Types.DataType.UInt64, [7UL])], 1));
        await other.FinishWriterAsync(writer);
        var swapped = (await store.GetAsync(StatePaths.SubtaskState(9, 1, 0)))!;
        await store.PutAsync(StatePaths.SubtaskState(2, 1, 0), swapped);
        // Same size is not needed for the check, but keeps the size check from catching it first.
        var log = new List<string>();
        var manifest = CheckpointManifest.Deserialize((await store.GetAsync(StatePaths.Manifest(2)))!);
        var listed = manifest.Files.Single();
        await store.PutAsync(StatePaths.Manifest(2), (manifest with { Files = [listed with { Size = swapped.Length }] }).Serialize());
        var checkpoints = await OpenAndReleaseAsync(store, Options("SELECT 1", log: log));
        Assert.Equal(1, checkpoints.RestoredEpoch);
        Assert.Contains(log, l => l.Contains("the manifest lists"));
    }
}
