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
    /// not limited by the size of an array, and each part can be read back on its own. Batches
    /// are encoded straight into the part's pooled buffer, sized up front from the columns
    /// (<see cref="BatchFileFormat.EstimateSize"/>), so a checkpoint allocates no buffer per
    /// batch and no copy; the caller disposes each part once it is written.
    /// </summary>
    public static IEnumerable<StatePart> WriteParts(IReadOnlyDictionary<string, List<Batch>> tables, long partBytes = DefaultPartBytes)
    {
        var remaining = tables.Values.Sum(batches => batches.Sum(BatchFileFormat.EstimateSize));
        var part = new PartWriter(Math.Min(remaining, partBytes));
        try
        {
            foreach (var (name, batches) in tables)
            {
                part.BeginTable(name);
                foreach (var batch in batches)
                {
                    var size = BatchFileFormat.EstimateSize(batch);
                    if (part.HasBatches && part.Length + size > partBytes)
                    {
                        yield return part.Finish();
                        part = new PartWriter(Math.Min(remaining, partBytes));
                        part.BeginTable(name);
                    }
                    part.Add(batch);
                    remaining -= size;
                }
                part.EndTable(); // a table without batches is still listed
            }
            // The last part (never empty after a cut; with no tables at all, one empty file).
            yield return part.Finish();
        }
        finally
        {
            part.Dispose();
        }
    }

    /// <summary>Writes one part: the header, tables whose counts are patched in when they end, the end marker and checksum.</summary>
    private sealed class PartWriter : IDisposable
    {
        private readonly PartBuffer _buffer;
        private readonly BinaryWriter _writer;
        private readonly int _tableCountAt;
        private int _tables;
        private int _batchCountAt = -1;
        private int _batches;

        public PartWriter(long capacity)
        {
            _buffer = new PartBuffer(capacity + 4096);
            _writer = new BinaryWriter(_buffer, System.Text.Encoding.UTF8, leaveOpen: true);
            _writer.Write(s_magic);
            _writer.Write(FormatVersion);
            _tableCountAt = (int)_buffer.Length;
            _writer.Write(0);
        }

        public long Length => _buffer.Length;

        public bool HasBatches { get; private set; }

        public void BeginTable(string name)
        {
            _writer.Write(name);
            _batchCountAt = (int)_buffer.Length;
            _writer.Write(0);
            _batches = 0;
            _tables++;
        }

        public void Add(Batch batch)
        {
            BatchFileFormat.WriteBatch(_writer, batch);
            _batches++;
            HasBatches = true;
        }

        public void EndTable()
        {
            if (_batchCountAt < 0) return;
            _writer.Flush();
            _buffer.PatchInt32(_batchCountAt, _batches);
        }

        public StatePart Finish()
        {
            EndTable();
            _buffer.PatchInt32(_tableCountAt, _tables);
            _writer.Write(EndMarker);
            _writer.Flush();
            _writer.Write(Checksums.Of(_buffer.Written));
            _writer.Flush();
            return _buffer.Detach();
        }

        public void Dispose() => _buffer.Dispose();
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
