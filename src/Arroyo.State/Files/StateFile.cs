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

    /// <summary>The file's bytes (a view of the buffer they were written into: no final copy of a state that may be hundreds of MB).</summary>
    public static ReadOnlyMemory<byte> Write(IReadOnlyDictionary<string, List<Batch>> tables)
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(s_magic);
            writer.Write(FormatVersion);
            writer.Write(tables.Count);
            foreach (var (name, batches) in tables)
            {
                writer.Write(name);
                writer.Write(batches.Count);
                foreach (var batch in batches) BatchFileFormat.WriteBatch(writer, batch);
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
