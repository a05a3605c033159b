using Arroyo.Core;

namespace Arroyo.State.Files;

/// <summary>
/// One subtask's state for one operator at one epoch: named tables of batches. Layout:
/// magic "ARSTATE", format version, table count, then per table its name, batch count and
/// batches (<see cref="BatchFileFormat"/>), an end marker, and last the XxHash64 of every
/// byte before it (<see cref="Checksums"/>). The checksum is verified before anything is
/// decoded, so a damaged file is refused as a whole instead of restoring wrong values; the
/// manifest lists the same checksum, so a file swapped for another valid one is refused too.
/// </summary>
public static class StateFile
{
    /// <summary>2: the trailing checksum. Files of version 1 are not read.</summary>
    public const int FormatVersion = 2;
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
            writer.Write(Checksums.Of(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>The checksum a state file ends with (as the manifest lists it); the file is not verified.</summary>
    public static string StoredChecksum(ReadOnlySpan<byte> file) =>
        file.Length < Checksums.Size ? "" : Checksums.ToHex(Checksums.Read(file[^Checksums.Size..]));

    /// <summary>
    /// Verifies the file's checksum (and, given one, that it is the checksum the manifest
    /// lists), then decodes it. Any damage is an <see cref="InvalidDataException"/> saying what
    /// is wrong: a checksum mismatch, an unknown version, or content that does not decode.
    /// </summary>
    public static Dictionary<string, List<Batch>> Read(byte[] bytes, string? expectedChecksum = null)
    {
        const int minimum = 7 + sizeof(int) * 2 + sizeof(uint) + Checksums.Size;
        if (bytes.Length < minimum) throw new InvalidDataException($"truncated: {bytes.Length} bytes");
        var body = bytes.AsSpan(0, bytes.Length - Checksums.Size);
        var stored = Checksums.Read(bytes.AsSpan(body.Length));
        if (Checksums.Of(body) != stored)
        {
            // The checksum comes first so a damaged version number reads as damage, not as "too new".
            var version = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(s_magic.Length));
            throw new InvalidDataException(body.StartsWith(s_magic) && version is > 0 and < FormatVersion
                ? $"state file format version {version} (an older arroyo's) is not supported; this build reads version {FormatVersion}"
                : "checksum mismatch: the file is damaged");
        }
        if (expectedChecksum is not null && Checksums.ToHex(stored) != expectedChecksum)
        {
            throw new InvalidDataException($"its checksum {Checksums.ToHex(stored)} is not the {expectedChecksum} the manifest lists");
        }
        try
        {
            return Decode(bytes, body.Length);
        }
        catch (Exception error) when (error is not (InvalidDataException or OutOfMemoryException))
        {
            // The checksum matched, so the bytes are as written: content that does not decode
            // is an encoder/decoder mismatch; still a damaged checkpoint, never a crash.
            throw new InvalidDataException($"cannot be decoded ({error.GetType().Name}: {error.Message})", error);
        }
    }

    private static Dictionary<string, List<Batch>> Decode(byte[] bytes, int length)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, length, writable: false));
            var magic = reader.ReadBytes(s_magic.Length);
            if (!magic.AsSpan().SequenceEqual(s_magic)) throw new InvalidDataException("not a state file");
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"state file format version {version} is not supported (this build reads version {FormatVersion})");
            }
            var tables = new Dictionary<string, List<Batch>>();
            var count = reader.ReadInt32();
            if (count < 0 || count > length) throw new InvalidDataException($"bad table count {count}");
            for (var t = 0; t < count; t++)
            {
                var name = reader.ReadString();
                var batchCount = reader.ReadInt32();
                if (batchCount < 0 || batchCount > length) throw new InvalidDataException($"bad batch count {batchCount}");
                var batches = new List<Batch>(batchCount);
                for (var b = 0; b < batchCount; b++) batches.Add(BatchFileFormat.ReadBatch(reader));
                tables[name] = batches;
            }
            if (reader.ReadUInt32() != EndMarker || reader.BaseStream.Position != length)
            {
                throw new InvalidDataException("the tables do not end where the file does");
            }
            return tables;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("truncated: the tables end early");
        }
    }
}
