using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.State.Checkpoints;
using Arroyo.State.Files;

namespace Arroyo.Engine.Tests.State;

/// <summary>The pool is process-wide: these run alone, so no other test's checkpoint returns a buffer in between.</summary>
[Collection(nameof(PartBufferPoolCollection))]
public sealed class PartBufferPoolTests
{
    private static CheckpointManifest Manifest(long bytes) => new()
    {
        Epoch = 1,
        Files = [new ManifestFile("checkpoints/checkpoint-0000001/operator-1/subtask-0-part-0", bytes, "x")],
    };

    [Fact]
    public void A_big_checkpoint_drops_the_part_buffers_kept_for_the_next_one()
    {
        PartBufferPool.Trim();
        PartBufferPool.Return(PartBufferPool.Rent(5 << 20));
        Assert.Equal(1, PartBufferPool.RetainedCount);

        // A small state's checkpoint keeps its buffer: no collection follows to free it.
        CheckpointStore.ReleaseMemoryAfter(Manifest(1 << 20));
        Assert.Equal(1, PartBufferPool.RetainedCount);

        // After a big one the collection that frees the checkpoint's garbage takes them too.
        CheckpointStore.ReleaseMemoryAfter(Manifest(64L << 20));
        Assert.Equal(0, PartBufferPool.RetainedCount);
    }

    [Fact]
    public async Task A_writer_cuts_a_table_into_parts_of_about_four_megabytes()
    {
        // Each part's buffer (up to three per writer at once) stays in the process after the
        // checkpoint, so parts are bounded: 12 MB of rows make three or more files of about
        // EncodeAfterBytes each, not one.
        var dir = Path.Combine(Path.GetTempPath(), "arroyo-parts-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new Arroyo.Storage.LocalObjectStore(dir);
            var options = new StateDirectory.OpenOptions("SELECT 1", "p", 1, false, new Arroyo.Tests.Shared.ListLogger(null));
            var (checkpoints, lease) = await StateDirectory.OpenAsync(store, options);
            await lease.DisposeAsync();
            var schema = new Schema([new Field(Arroyo.Execution.StateColumns.KeyHashColumn, DataType.UInt64, false), new Field("v", DataType.Int64, false)]);
            var writer = checkpoints.CreateWriter(1, 1, 0);
            for (var b = 0; b < 96; b++)
            {
                var rows = Enumerable.Range(b * 8192, 8192).ToArray();
                writer.WriteTable("t", new Arroyo.Core.Batch(schema,
                [
                    new PrimitiveColumn<ulong>(DataType.UInt64, rows.Select(r => (ulong)r * 0x9E3779B97F4A7C15UL).ToArray()),
                    new PrimitiveColumn<long>(DataType.Int64, rows.Select(r => (long)r).ToArray()),
                ], rows.Length));
            }
            var files = await checkpoints.FinishWriterAsync(writer);
            Assert.True(files.Count >= 3, $"{files.Count} files");
            Assert.All(files, f => Assert.True(f.Size < CheckpointStore.DefaultEncodeAfterBytes + (1L << 20), $"{f.Key}: {f.Size} bytes"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Parts_are_four_megabytes_in_an_object_store_and_a_local_dir_alike()
    {
        // Every part is a request to an object store, and a local dir of smaller parts restores slower.
        var log = new Arroyo.Tests.Shared.ListLogger(null);
        Assert.Equal(4L << 20, new CheckpointStore(new Arroyo.Storage.InMemoryObjectStore(), null, log).EncodeAfterBytes);
        var dir = Path.Combine(Path.GetTempPath(), "arroyo-parts-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(4L << 20, new CheckpointStore(new Arroyo.Storage.LocalObjectStore(dir), null, log).EncodeAfterBytes);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

[CollectionDefinition(nameof(PartBufferPoolCollection), DisableParallelization = true)]
public sealed class PartBufferPoolCollection;
