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
}
