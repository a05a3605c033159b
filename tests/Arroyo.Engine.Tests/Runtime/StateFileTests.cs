using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.State.Files;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>State files refuse any damage as a whole: no changed byte or cut decodes into other values.</summary>
public sealed class StateFileTests
{
    private static byte[] SmallFile()
    {
        var schema = new Schema([
            new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
            new Field("n", DataType.Int64, true),
            new Field("s", DataType.Utf8, true),
        ]);
        var batch = new Batch(schema,
        [
            new PrimitiveColumn<ulong>(DataType.UInt64, [1UL, 2UL, 3UL]),
            new PrimitiveColumn<long>(DataType.Int64, [10L, -20L, 1515L]),
            new StringColumn(DataType.Utf8, "abcdef"u8.ToArray(), [0, 1, 3, 6], 3),
        ], 3);
        var tables = new Dictionary<string, List<Batch>> { ["t"] = [batch], ["empty"] = [] };
        using var part = StateFile.WriteParts(tables).Single();
        return part.Bytes.ToArray();
    }

    [Fact]
    public void A_file_reads_back_and_lists_its_checksum()
    {
        var bytes = SmallFile();
        var tables = StateFile.Read(bytes, StateFile.StoredChecksum(bytes));
        Assert.Equal([10L, -20L, 1515L], ((PrimitiveColumn<long>)tables["t"][0].Columns[1]).Values);
        Assert.Empty(tables["empty"]);
        Assert.Equal(Checksums.HexOf(bytes.AsSpan(0, bytes.Length - Checksums.Size)), StateFile.StoredChecksum(bytes));
    }

    [Fact]
    public void Every_changed_byte_is_detected()
    {
        var pristine = SmallFile();
        foreach (var flip in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (var offset = 0; offset < pristine.Length; offset++)
            {
                var bytes = (byte[])pristine.Clone();
                bytes[offset] ^= flip;
                var error = Record.Exception(() => StateFile.Read(bytes));
                Assert.True(error is InvalidDataException, $"byte {offset} ^ 0x{flip:x2}: {error?.GetType().Name ?? "accepted"}");
            }
        }
    }

    [Fact]
    public void Every_truncation_is_detected()
    {
        var pristine = SmallFile();
        for (var length = 0; length < pristine.Length; length++)
        {
            var error = Record.Exception(() => StateFile.Read(pristine[..length]));
            Assert.True(error is InvalidDataException, $"cut at {length}: {error?.GetType().Name ?? "accepted"}");
        }
    }

    [Fact]
    public void A_file_the_manifest_lists_with_another_checksum_is_refused()
    {
        var bytes = SmallFile();
        var error = Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes, "0123456789abcdef"));
        Assert.Contains("the manifest lists", error.Message);
    }

    [Fact]
    public void A_file_of_the_previous_format_says_so()
    {
        // Version 1: the same layout without the trailing checksum.
        var bytes = SmallFile()[..^Checksums.Size];
        BitConverter.TryWriteBytes(bytes.AsSpan(7), 1);
        var error = Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes));
        Assert.Contains("format version 1", error.Message);
    }

    [Fact]
    public void Picked_rows_encode_to_the_bytes_of_the_taken_batch()
    {
        var schema = new Schema([
            new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
            new Field("n", DataType.Int64, true),
            new Field("s", DataType.Utf8, true),
            new Field("b", DataType.Boolean, false),
            new Field("d", DataType.Decimal(20, 2), true),
            new Field("l", DataType.List(DataType.Int64), true),
            new Field("st", DataType.Struct([new Field("x", DataType.Utf8, true), new Field("y", DataType.Float64, true)]), true),
            new Field("z", DataType.Null, true),
        ]);
        var random = new Random(7);
        var rows = Enumerable.Range(0, 300).Select(i => new object?[]
        {
            (ulong)random.NextInt64(), random.Next(5) == 0 ? null : (long)i, random.Next(4) == 0 ? null : new string('a', random.Next(0, 9)) + i,
            random.Next(2) == 0, random.Next(3) == 0 ? null : i / 4m, random.Next(3) == 0 ? null : new object?[] { (long)i, null },
            random.Next(3) == 0 ? null : new object?[] { "s" + i, i / 2.0 }, null,
        }).ToArray();
        var batch = Arroyo.Engine.Tests.Operators.Rows.Of(schema, rows);
        int[] picked = [.. Enumerable.Range(0, 300).Where(_ => random.Next(3) == 0).OrderBy(_ => random.Next())];
        Assert.Equal(Encode(w => BatchFileFormat.WriteBatch(w, batch.Take(picked))), Encode(w => BatchFileFormat.WriteBatch(w, batch, picked)));
        Assert.Equal(BatchFileFormat.EstimateSize(batch.Take(picked)), BatchFileFormat.EstimateSize(batch, picked), 200.0);
        // Cut into key-hash ranges by picking: each range reads back as the rows taken in range order.
        var ranges = StateFile.ByHashRange(batch).ToList();
        Assert.True(ranges.Count > 1);
        using var part = StateFile.WriteParts(new Dictionary<string, List<Batch>> { ["t"] = [batch] }).Single();
        var read = StateFile.Read(part.Bytes.ToArray())["t"];
        Assert.Equal(ranges.Count, read.Count);
        for (var i = 0; i < ranges.Count; i++)
        {
            var expected = batch.Take(ranges[i].Picked);
            Assert.Equal(Enumerable.Range(0, expected.RowCount).Select(r => CollectingOutputRow(expected, r)),
                Enumerable.Range(0, read[i].RowCount).Select(r => CollectingOutputRow(read[i], r)));
        }
    }

    private static string CollectingOutputRow(Batch batch, int row) => Arroyo.Engine.Tests.Operators.CollectingOutput.Format(batch.GetRow(row));

    private static byte[] Encode(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        return stream.ToArray();
    }
}
