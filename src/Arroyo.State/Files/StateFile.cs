using Arroyo.Core;

namespace Arroyo.State.Files;

/// <summary>
/// One subtask's state for one operator at one epoch: named tables of batches. Layout:
/// magic "ARSTATE", format version, table count, then per table its name, batch count and
/// batches (<see cref="BatchFileFormat"/>), then an end marker so truncation is detected.
/// </summary>
public static class StateFile
{
    public const int FormatVersion = 1;
    private static readonly byte[] s_magic = "ARSTATE"u8.ToArray();
    private const uint EndMarker = 0xA770_E0F5;

    /// <summary>Parts are cut near this size: well under the 2 GB a .NET array (and so one read of a file) can hold.</summary>
    public const long DefaultPartBytes = 256L << 20;

    /// <summary>
    /// The tables as one or more complete state files of about <paramref name="partBytes"/> each
    /// (a part holds whole batches; a batch larger than that is a part of its own). Produced one
    /// at a time, so a state of many gigabytes never sits in one buffer: a subtask's state is
    /// not limited by the size of an array, and each part can be read back on its own.
    /// </summary>
    public static IEnumerable<ReadOnlyMemory<byte>> WriteParts(IReadOnlyDictionary<string, List<Batch>> tables, long partBytes = DefaultPartBytes)
    {
        var part = new List<(string Table, List<ReadOnlyMemory<byte>> Batches)>();
        long size = 0;
        foreach (var (name, batches) in tables)
        {
            List<ReadOnlyMemory<byte>>? current = null;
            foreach (var batch in batches)
            {
                var encoded = Encode(batch);
                if (size > 0 && size + encoded.Length > partBytes)
                {
                    yield return Assemble(part);
                    part = [];
                    current = null;
                    size = 0;
                }
                if (current is null) part.Add((name, current = []));
                current.Add(encoded);
                size += encoded.Length;
            }
            if (current is null) part.Add((name, [])); // a table without batches is still listed
        }
        // The last part (never empty after a cut; with no tables at all, one empty file).
        yield return Assemble(part);
    }

    private static ReadOnlyMemory<byte> Encode(Batch batch)
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) BatchFileFormat.WriteBatch(writer, batch);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>One complete file (a view of the buffer it was written into, no final copy).</summary>
    private static ReadOnlyMemory<byte> Assemble(List<(string Table, List<ReadOnlyMemory<byte>> Batches)> tables)
    {
        var buffer = new MemoryStream(checked((int)Math.Min(int.MaxValue, 64 + tables.Sum(t => 16L + t.Table.Length * 3L + t.Batches.Sum(b => (long)b.Length)))));
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(s_magic);
            writer.Write(FormatVersion);
            writer.Write(tables.Count);
            foreach (var (name, batches) in tables)
            {
                writer.Write(name);
                writer.Write(batches.Count);
                foreach (var batch in batches) writer.Write(batch.Span);
            }
            writer.Write(EndMarker);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>Reads a state file; throws <see cref="InvalidDataException"/> if it is damaged or of an unknown version.</summary>
    public static Dictionary<string, List<Batch>> Read(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            var magic = reader.ReadBytes(s_magic.Length);
            if (!magic.AsSpan().SequenceEqual(s_magic)) throw new InvalidDataException("not a state file");
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"state file format version {version} is not supported (this build reads version {FormatVersion})");
            }
            var tables = new Dictionary<string, List<Batch>>();
            var count = reader.ReadInt32();
            for (var t = 0; t < count; t++)
            {
                var name = reader.ReadString();
                var batchCount = reader.ReadInt32();
                var batches = new List<Batch>(batchCount);
                for (var b = 0; b < batchCount; b++) batches.Add(BatchFileFormat.ReadBatch(reader));
                tables[name] = batches;
            }
            if (reader.ReadUInt32() != EndMarker) throw new InvalidDataException("state file is truncated");
            return tables;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("state file is truncated");
        }
    }
}
