using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.State.Checkpoints;
using Arroyo.State.Files;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.State;

/// <summary>
/// A restore from a local state dir verifies each file through a reused buffer and reads it
/// again when its batches are decoded: the rows are the same as from any store, the file is
/// read once more whatever the number of batches and subtasks, and a file that changed between
/// the two reads is refused by name.
/// </summary>
public sealed class LocalStateRereadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "arroyo-reread-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly Schema TableSchema = new([
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("v", DataType.Int64, false)]);

    private static ulong HashOf(int row) => (ulong)row * 0x9E3779B97F4A7C15UL;

    private static Batch Rows(int from, int count) => new(TableSchema,
    [
        new PrimitiveColumn<ulong>(DataType.UInt64, Enumerable.Range(from, count).Select(HashOf).ToArray()),
        new PrimitiveColumn<long>(DataType.Int64, Enumerable.Range(from, count).Select(r => (long)r).ToArray()),
    ], count);

    private static List<long> Values(IEnumerable<Batch> batches) =>
        batches.SelectMany(b => ((PrimitiveColumn<long>)b.Columns[1]).Values.AsSpan(0, b.RowCount).ToArray()).ToList();

    private static async Task<CheckpointStore> OpenAsync(IObjectStore store, int parallelism)
    {
        var options = new StateDirectory.OpenOptions("SELECT 1", "p", parallelism, false, new Arroyo.Tests.Shared.ListLogger(null));
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, options);
        await lease.DisposeAsync();
        return checkpoints;
    }

    /// <summary>Checkpoint 1 of node 1: 20 000 rows of table "t" written by one subtask, in three files.</summary>
    private async Task<LocalObjectStore> CheckpointedAsync()
    {
        var store = new LocalObjectStore(_dir);
        var checkpoints = await OpenAsync(store, 1);
        checkpoints.EncodeAfterBytes = 100_000; // a file per two batches of 4 000 rows
        var writer = checkpoints.CreateWriter(1, 1, 0);
        for (var b = 0; b < 5; b++) writer.WriteTable("t", Rows(b * 4000, 4000));
        var files = await checkpoints.FinishWriterAsync(writer);
        Assert.True(files.Count > 1);
        await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = 1, Files = [.. files] });
        return store;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Each_subtask_reads_its_own_rows_from_a_local_state_dir(int parallelism)
    {
        var store = await CheckpointedAsync();
        var restored = await OpenAsync(store, parallelism);
        var all = new List<long>();
        for (var subtask = 0; subtask < parallelism; subtask++)
        {
            var values = Values(restored.CreateReader(1, subtask, parallelism).ReadTable("t"));
            var owned = Enumerable.Range(0, 20_000).Where(r => KeyRange.Owns(subtask, parallelism, HashOf(r))).Select(r => (long)r);
            Assert.Equal(owned, values.Order());
            all.AddRange(values);
        }
        Assert.Equal(Enumerable.Range(0, 20_000).Select(r => (long)r), all.Order());
    }

    [Fact]
    public async Task A_state_file_changed_after_the_restore_verified_it_is_refused_by_name()
    {
        var store = await CheckpointedAsync();
        var restored = await OpenAsync(store, 1);
        // One byte of a batch flipped after the open verified every file (the size unchanged).
        var stateFile = Directory.GetFiles(_dir, "*.state", SearchOption.AllDirectories).Order().First();
        var bytes = await File.ReadAllBytesAsync(stateFile, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(stateFile, bytes, TestContext.Current.CancellationToken);

        var e = Assert.Throws<InvalidDataException>(() => Values(restored.CreateReader(1, 0, 1).ReadTable("t")));
        Assert.Contains(Path.GetFileName(stateFile), e.Message);
        Assert.Contains("changed after the restore verified it", e.Message);
    }

    [Fact]
    public void A_file_opened_from_a_reused_buffer_is_read_again_once_at_its_first_decode_and_let_go_after_the_last_subtask()
    {
        using var part = StateFile.WriteParts(new Dictionary<string, List<Batch>> { ["t"] = [Rows(0, 4000)] }).Single();
        var file = part.Bytes.ToArray();
        var buffer = new byte[file.Length + 100];
        file.CopyTo(buffer, 0);
        var rereads = 0;
        var contents = StateFile.Open(buffer, file.Length, StateFile.StoredChecksum(file), "test", () =>
        {
            rereads++;
            return (byte[])file.Clone();
        });
        // The caller reuses its buffer at once: the batches must not read from it.
        Array.Fill(buffer, (byte)0xEE);
        Assert.Equal(0, rereads);

        var batches = contents.Batches("t");
        Assert.Equal(StateFile.HashRanges, batches.Count);
        Assert.Equal(Enumerable.Range(0, 4000).Select(r => (long)r), Values(batches.Select(b => b.Decode())).Order());
        Assert.Equal(1, rereads);

        contents.Passed(0, 2, "t");
        Assert.NotNull(batches[0].Decode()); // subtask 1 has not passed yet
        contents.Passed(1, 2, "t");
        Assert.Throws<InvalidOperationException>(() => batches[0].Decode());
        Assert.Equal(1, rereads);
    }
}
