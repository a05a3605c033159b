using System.Text;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Arroyo.State.Checkpoints;
using Arroyo.State.Files;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.State;

/// <summary>
/// Restoring by key-hash range: state files cut each table into key-hash ranges, a subtask
/// reads only the batches overlapping its range at any parallelism, files of the previous
/// format (version 2) still restore, and keys encoded a column at a time on restore are the
/// bytes the row codec gives.
/// </summary>
public sealed class KeyRangeRestoreTests
{
    private static readonly Schema TableSchema = new([
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("v", DataType.Int64, false)]);

    private static Batch Rows(int from, int count) => new(TableSchema,
    [
        new PrimitiveColumn<ulong>(DataType.UInt64, Enumerable.Range(from, count).Select(r => (ulong)r * 0x9E3779B97F4A7C15UL).ToArray()),
        new PrimitiveColumn<long>(DataType.Int64, Enumerable.Range(from, count).Select(r => (long)r).ToArray()),
    ], count);

    private static StateDirectory.OpenOptions Options(int parallelism) =>
        new("SELECT 1", "p", parallelism, false, new Arroyo.Tests.Shared.ListLogger(null));

    private static async Task<CheckpointStore> OpenAsync(IObjectStore store, int parallelism)
    {
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, Options(parallelism));
        await lease.DisposeAsync();
        return checkpoints;
    }

    /// <summary>A completed checkpoint 1 of node 1: 20 000 rows of table "t" from one subtask, in batches of 4 000.</summary>
    private static async Task<InMemoryObjectStore> CheckpointedStoreAsync()
    {
        var store = new InMemoryObjectStore();
        var checkpoints = await OpenAsync(store, 1);
        var writer = checkpoints.CreateWriter(1, 1, 0);
        for (var b = 0; b < 5; b++) writer.WriteTable("t", Rows(b * 4000, 4000));
        var files = await checkpoints.FinishWriterAsync(writer);
        await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = 1, Files = [.. files] });
        return store;
    }

    private static List<long> Values(IEnumerable<Batch> batches) =>
        batches.SelectMany(b => ((PrimitiveColumn<long>)b.Columns[1]).Values.AsSpan(0, b.RowCount).ToArray()).ToList();

    private static List<long> Owned(int subtask, int parallelism) =>
        Enumerable.Range(0, 20_000).Where(r => KeyRange.Owns(subtask, parallelism, (ulong)r * 0x9E3779B97F4A7C15UL)).Select(r => (long)r).ToList();

    [Fact]
    public async Task A_table_that_the_operator_at_its_node_never_asks_for_refuses_the_restore()
    {
        // Node ids follow the plan: a build that plans the query differently puts another
        // operator at node 1, one that keeps no table "t" (or another one), and its state
        // would otherwise be dropped without a word.
        var store = await CheckpointedStoreAsync();
        var restored = await OpenAsync(store, 2);
        var other = restored.CreateReader(1, 0, 2);
        Assert.Equal(["t"], other.UnaskedTables);
        _ = other.ReadTable("u").ToList();
        var error = Assert.Throws<StateFormatException>(() => RestoredState.ThrowIfUnread(other, 1, "projection"));
        Assert.Contains("checkpoint 1 holds state of operator 1 ('t') that this build's operator 1 (projection) does not keep", error.Message);
        Assert.Contains("plans this query differently", error.Message);

        // Asking counts, rows or not: an estimate, or a read of a subtask's range that holds none.
        var estimating = restored.CreateReader(1, 1, 2);
        _ = estimating.EstimateRows("t");
        Assert.Empty(estimating.UnaskedTables);
        RestoredState.ThrowIfUnread(estimating, 1, "updating aggregate");
        var reading = restored.CreateReader(1, 0, 2);
        _ = reading.ReadTable("t");
        Assert.Empty(reading.UnaskedTables);
        // A node without state in the checkpoint has nothing to leave unread.
        Assert.Empty(restored.CreateReader(2, 0, 2).UnaskedTables);
    }

    [Fact]
    public void A_table_is_written_in_batches_of_one_key_hash_range_each_keeping_the_order_within_a_range()
    {
        var bytes = WriteFile(new Dictionary<string, List<Batch>> { ["t"] = [Rows(0, 4000), Rows(4000, 10)] });
        var contents = StateFile.Open(bytes, null, "test");
        var batches = contents.Batches("t");
        // 4 000 rows over 16 ranges, then the 10-row batch whole (too small to cut).
        Assert.Equal(StateFile.HashRanges + 1, batches.Count);
        Assert.Equal(4010, batches.Sum(b => b.Rows));
        foreach (var stored in batches.Take(StateFile.HashRanges))
        {
            Assert.Equal(KeyRange.SubtaskFor(stored.MinHash, StateFile.HashRanges), KeyRange.SubtaskFor(stored.MaxHash, StateFile.HashRanges));
            var batch = stored.Decode();
            var hashes = ((PrimitiveColumn<ulong>)batch.Columns[0]).Values.AsSpan(0, batch.RowCount).ToArray();
            Assert.Equal(stored.MinHash, hashes.Min());
            Assert.Equal(stored.MaxHash, hashes.Max());
            var values = Values([batch]);
            Assert.Equal(values.Order(), values); // written in row order within the range
        }
        Assert.Equal(Enumerable.Range(0, 4010).Select(i => (long)i), Values(batches.Select(b => b.Decode())).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task Each_subtask_reads_its_own_rows_and_at_a_parallelism_dividing_the_ranges_no_batch_of_another_range(int parallelism)
    {
        var store = await CheckpointedStoreAsync();
        var restored = await OpenAsync(store, parallelism);
        // Read whole first: once every subtask has read its range, the files are released.
        Assert.Equal(20_000, Values(restored.CreateReader(1, 0, parallelism).ReadTable("t", allRows: true)).Count);
        var all = new List<long>();
        for (var subtask = 0; subtask < parallelism; subtask++)
        {
            var reader = restored.CreateReader(1, subtask, parallelism);
            var values = Values(reader.ReadTable("t"));
            Assert.Equal(Owned(subtask, parallelism), values.Order());
            all.AddRange(values);
            // The rows of the batches the subtask decodes: exactly its own where every range
            // lies within one subtask's, else at most a batch per range boundary more.
            var estimate = reader.EstimateRows("t");
            if (StateFile.HashRanges % parallelism == 0) Assert.Equal(values.Count, estimate);
            else Assert.InRange(estimate, values.Count, values.Count + 2 * 5 * 4000 / StateFile.HashRanges * 2);
        }
        Assert.Equal(20_000, all.Distinct().Count());
    }

    [Fact]
    public async Task Tables_written_in_turns_restore_whole_with_a_table_coming_back_in_a_new_part()
    {
        var store = new InMemoryObjectStore();
        var checkpoints = await OpenAsync(store, 1);
        var writer = checkpoints.CreateWriter(1, 1, 0);
        writer.WriteTable("a", Rows(0, 3000));
        writer.WriteTable("b", Rows(100_000, 500));
        writer.WriteTable("a", Rows(3000, 3000)); // "a" again after "b": a part lists a table once
        writer.WriteTable("c", Rows(0, 0)); // empty, and still listed
        var files = await checkpoints.FinishWriterAsync(writer);
        Assert.Equal(2, files.Count);
        await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = 1, Files = [.. files] });

        var restored = await OpenAsync(store, 1);
        var reader = restored.CreateReader(1, 0, 1);
        Assert.Equal(["a", "b", "c"], reader.TableNames.Order());
        Assert.Equal(Enumerable.Range(0, 6000).Select(i => (long)i), Values(reader.ReadTable("a")).Order());
        Assert.Equal(Enumerable.Range(100_000, 500).Select(i => (long)i), Values(reader.ReadTable("b")).Order());
        Assert.Empty(Values(reader.ReadTable("c")));
    }

    [Fact]
    public async Task A_file_is_released_once_every_subtask_has_read_its_range_of_it_and_not_before()
    {
        var store = await CheckpointedStoreAsync();
        var restored = await OpenAsync(store, 2);
        var first = Values(restored.CreateReader(1, 0, 2).ReadTable("t"));
        // Subtask 0 reading again, and subtask 1 still to read: nothing released yet.
        Assert.Equal(first, Values(restored.CreateReader(1, 0, 2).ReadTable("t")));
        var second = Values(restored.CreateReader(1, 1, 2).ReadTable("t"));
        Assert.Equal(20_000, first.Count + second.Count);
        // Both subtasks have read: the bytes are gone, and a read now is a bug said as one, never rows misread.
        var error = Assert.Throws<InvalidOperationException>(() => Values(restored.CreateReader(1, 0, 2).ReadTable("t")));
        Assert.Contains("after every subtask had read it", error.Message);
    }

    [Fact]
    public async Task A_checkpoint_of_the_previous_file_format_restores_at_any_parallelism()
    {
        var store = await CheckpointedStoreAsync();
        // Rewrite every state file in format version 2 (no batch headers, batches back to back,
        // as the previous build wrote them) and list them in the manifest as that build did.
        var manifest = CheckpointManifest.Deserialize((await store.GetAsync(StatePaths.Manifest(1)))!);
        var files = new List<ManifestFile>();
        foreach (var file in manifest.Files)
        {
            var old = ToFormat2((await store.GetAsync(file.Key))!);
            Assert.Equal(2, BitConverter.ToInt32(old, 7));
            await store.PutAsync(file.Key, old);
            files.Add(new ManifestFile(file.Key, old.Length, StateFile.StoredChecksum(old)));
        }
        await store.PutAsync(StatePaths.Manifest(1), (manifest with { Files = files, Checksum = "" }).Serialize());

        foreach (var parallelism in new[] { 1, 3 })
        {
            var restored = await OpenAsync(store, parallelism);
            Assert.Equal(1, restored.RestoredEpoch);
            var all = new List<long>();
            for (var subtask = 0; subtask < parallelism; subtask++)
            {
                var values = Values(restored.CreateReader(1, subtask, parallelism).ReadTable("t"));
                Assert.Equal(Owned(subtask, parallelism), values.Order());
                all.AddRange(values);
            }
            Assert.Equal(20_000, all.Count);
        }
    }

    [Fact]
    public void A_file_of_a_newer_format_is_refused_saying_which_versions_this_build_reads()
    {
        var bytes = WriteFile(new Dictionary<string, List<Batch>> { ["t"] = [Rows(0, 10)] });
        BitConverter.TryWriteBytes(bytes.AsSpan(7), StateFile.FormatVersion + 1);
        Checksums.Write(bytes.AsSpan(bytes.Length - Checksums.Size), Checksums.Of(bytes.AsSpan(0, bytes.Length - Checksums.Size)));
        var error = Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes));
        Assert.Contains($"format version {StateFile.FormatVersion + 1} is not supported", error.Message);
        Assert.Contains($"versions {StateFile.OldestReadableVersion} to {StateFile.FormatVersion}", error.Message);
    }

    private static byte[] WriteFile(Dictionary<string, List<Batch>> tables)
    {
        using var part = StateFile.WriteParts(tables).Single();
        return part.Bytes.ToArray();
    }

    /// <summary>
    /// The same tables in state file format 2, the previous build's layout: the header, per
    /// table its name and batch count, then the batches back to back without the row count,
    /// hash range and length that format 3 puts before each; end marker and checksum as before.
    /// </summary>
    private static byte[] ToFormat2(byte[] file)
    {
        using var reader = new BinaryReader(new MemoryStream(file, 0, file.Length - Checksums.Size));
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output, Encoding.UTF8);
        writer.Write(reader.ReadBytes(7));
        Assert.Equal(3, reader.ReadInt32());
        writer.Write(2);
        var tables = reader.ReadInt32();
        writer.Write(tables);
        for (var t = 0; t < tables; t++)
        {
            writer.Write(reader.ReadString());
            var batches = reader.ReadInt32();
            writer.Write(batches);
            for (var b = 0; b < batches; b++)
            {
                reader.ReadBytes(4 + 8 + 8); // rows, lowest and highest hash
                writer.Write(reader.ReadBytes(reader.ReadInt32()));
            }
        }
        writer.Write(reader.ReadUInt32()); // end marker
        writer.Flush();
        var body = output.ToArray();
        var checksum = new byte[Checksums.Size];
        Checksums.Write(checksum, Checksums.Of(body));
        return [.. body, .. checksum];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Keys_encoded_a_column_at_a_time_are_the_bytes_of_the_row_codec(bool fixedWidth)
    {
        var random = new Random(15);
        const int rows = 500;
        var longs = new PrimitiveColumn<long>(DataType.Int64, Enumerable.Range(0, rows).Select(_ => random.NextInt64()).ToArray(), rows, Validity(random, rows));
        var ints = new PrimitiveColumn<int>(DataType.Int32, Enumerable.Range(0, rows).Select(_ => random.Next()).ToArray(), rows, Validity(random, rows));
        var strings = Enumerable.Range(0, rows).Select(r => r % 7 == 0 ? null : new string('k', random.Next(0, 20)) + r).ToList();
        Column[] columns = fixedWidth
            ? [new PrimitiveColumn<ulong>(DataType.UInt64, new ulong[rows]), longs, ints]
            : [new PrimitiveColumn<ulong>(DataType.UInt64, new ulong[rows]), longs, StringColumn.FromStrings(strings), ints];
        var keyColumns = Enumerable.Range(1, columns.Length - 1).ToArray();
        var width = KeyCodec.FixedWidth(keyColumns.Select(c => columns[c].Type));
        Assert.Equal(fixedWidth, width > 0);
        var codec = new KeyCodec(keyColumns);
        var bytes = Array.Empty<byte>();
        var starts = Array.Empty<int>();
        Assert.True(codec.TryEncodeRows(columns, rows, width, ref bytes, ref starts));
        for (var r = 0; r < rows; r++)
        {
            var expected = codec.Encode(columns, r)[8..].ToArray();
            if (width > 0) Array.Resize(ref expected, width); // the index pads a shorter (null) key with zeros
            Assert.Equal(expected, bytes.AsSpan(starts[r], starts[r + 1] - starts[r]).ToArray());
        }
    }

    private static Bitmap Validity(Random random, int rows)
    {
        var validity = new Bitmap(rows);
        for (var r = 0; r < rows; r++)
        {
            if (random.Next(5) != 0) validity.Set(r);
        }
        return validity;
    }
}
