using Arroyo.Core;
using Arroyo.Core.Columns;

namespace Arroyo.State.Files;

/// <summary>
/// One subtask's state for one operator at one epoch: named tables of batches. Layout:
/// magic "ARSTATE", format version, table count, then per table its name, batch count and
/// batches, an end marker, and last the XxHash64 of every byte before it
/// (<see cref="Checksums"/>). Each batch (<see cref="BatchFileFormat"/>) is preceded by its row
/// count, the lowest and highest key hash of its rows and its length in bytes, and a table's
/// rows are written in batches of one key-hash range each (<see cref="HashRanges"/> ranges,
/// stable within a range): a subtask restoring at another parallelism decodes only the batches
/// overlapping its key range and skips the others unread. The checksum is verified before
/// anything is decoded, so a damaged file is refused as a whole instead of restoring wrong
/// values; the manifest lists the same checksum, so a file swapped for another valid one is
/// refused too.
/// </summary>
public static class StateFile
{
    /// <summary>
    /// 3: batches cut by key-hash range, each with its row count, hash range and length.
    /// 2: the trailing checksum; still read (its batches are decoded when the file is opened,
    /// as they carry no length to skip by). Files of version 1 are refused.
    /// </summary>
    public const int FormatVersion = 3;

    /// <summary>The oldest format version this build reads.</summary>
    public const int OldestReadableVersion = 2;

    private static readonly byte[] s_magic = "ARSTATE"u8.ToArray();
    private const uint EndMarker = 0xA770_E0F5;

    /// <summary>
    /// A table's rows are cut into this many key-hash ranges (the top bits of the hash, as
    /// <see cref="Arroyo.Core.Partitioning.KeyRange"/> splits the hash space among subtasks).
    /// 16: a subtask restoring at parallelism 2 to 16 reads little beyond its own range, while
    /// an operator's 8 Ki-row chunk still makes batches of hundreds of rows.
    /// </summary>
    public const int HashRanges = 1 << RangeBits;

    private const int RangeBits = 4;

    /// <summary>Batches smaller than this are written whole: cutting them buys nothing.</summary>
    private const int MinRowsToCut = 64;

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
        var remaining = tables.Values.Sum(batches => batches.Sum(b => BatchFileFormat.EstimateSize(b)));
        var part = new PartWriter(Math.Min(remaining, partBytes));
        try
        {
            foreach (var (name, batches) in tables)
            {
                part.BeginTable(name);
                foreach (var whole in batches)
                {
                    remaining -= BatchFileFormat.EstimateSize(whole);
                    foreach (var batch in ByHashRange(whole))
                    {
                        var size = batch.EstimateSize();
                        if (part.HasBatches && part.Length + size > partBytes)
                        {
                            yield return part.Finish();
                            part = new PartWriter(Math.Min(Math.Max(remaining, size), partBytes));
                            part.BeginTable(name);
                        }
                        part.Add(batch);
                    }
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

    /// <summary>
    /// The rows of <paramref name="batch"/> per key-hash range (of <see cref="HashRanges"/>), in
    /// range order; rows of one range keep their order, so the rows of one key (same hash) stay
    /// in the order the operator wrote them. Each range is a list of row indices into the batch,
    /// which the part encodes by gathering (no copy of the batch per range).
    /// </summary>
    internal static IEnumerable<RangeRows> ByHashRange(Batch batch)
    {
        if (batch.Columns.Length == 0 || batch.Columns[0] is not PrimitiveColumn<ulong> hashColumn)
        {
            throw new InvalidOperationException($"a state table's first column must be the UInt64 {Execution.StateColumns.KeyHashColumn} (this is a bug)");
        }
        var rows = batch.RowCount;
        var hashes = hashColumn.Values.AsSpan(0, rows);
        if (rows < MinRowsToCut)
        {
            yield return new RangeRows(batch, null, 0, rows);
            yield break;
        }
        Span<int> starts = stackalloc int[HashRanges + 1];
        foreach (var hash in hashes) starts[RangeOf(hash) + 1]++;
        for (var r = 0; r < HashRanges; r++) starts[r + 1] += starts[r];
        if (starts[RangeOf(hashes[0]) + 1] - starts[RangeOf(hashes[0])] == rows)
        {
            yield return new RangeRows(batch, null, 0, rows); // every row in one range
            yield break;
        }
        // A stable counting sort of the row indices by range.
        var order = new int[rows];
        var next = new int[HashRanges];
        starts[..HashRanges].CopyTo(next);
        for (var i = 0; i < rows; i++) order[next[RangeOf(hashes[i])]++] = i;
        var ends = new int[HashRanges + 1];
        starts.CopyTo(ends);
        for (var r = 0; r < HashRanges; r++)
        {
            if (ends[r + 1] > ends[r]) yield return new RangeRows(batch, order, ends[r], ends[r + 1] - ends[r]);
        }
    }

    /// <summary>Rows of a batch to encode as one batch: all of them (no order), or <c>Order[Start..Start+Count]</c>, never none.</summary>
    internal readonly record struct RangeRows(Batch Batch, int[]? Order, int Start, int Count)
    {
        /// <summary>The row indices, or empty for every row of the batch.</summary>
        public ReadOnlySpan<int> Picked => Order is null ? default : Order.AsSpan(Start, Count);

        public long EstimateSize() => BatchFileFormat.EstimateSize(Batch, Picked);
    }

    /// <summary>The lowest and highest of <paramref name="hashes"/> (<c>(ulong.MaxValue, 0)</c> for none).</summary>
    internal static (ulong Min, ulong Max) HashRange(ReadOnlySpan<ulong> hashes)
    {
        ulong min = ulong.MaxValue, max = 0;
        foreach (var hash in hashes)
        {
            min = Math.Min(min, hash);
            max = Math.Max(max, hash);
        }
        return (min, max);
    }

    /// <summary>The lowest and highest of the <paramref name="picked"/> entries of <paramref name="hashes"/>.</summary>
    private static (ulong Min, ulong Max) HashRange(ulong[] hashes, ReadOnlySpan<int> picked)
    {
        ulong min = ulong.MaxValue, max = 0;
        foreach (var row in picked)
        {
            min = Math.Min(min, hashes[row]);
            max = Math.Max(max, hashes[row]);
        }
        return (min, max);
    }

    private static int RangeOf(ulong hash) => (int)(hash >> (64 - RangeBits));

    /// <summary>
    /// Writes one part a batch at a time: the header, tables whose counts are patched in when
    /// they end, the end marker and checksum. Each table may appear once in a part.
    /// </summary>
    internal sealed class PartWriter : IDisposable
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

        /// <summary>The tables begun in this part.</summary>
        public HashSet<string> Tables { get; } = [];

        public void BeginTable(string name)
        {
            EndTable();
            if (!Tables.Add(name)) throw new InvalidOperationException($"state table '{name}' begun twice in one part (this is a bug)");
            _writer.Write(name);
            _batchCountAt = (int)_buffer.Length;
            _writer.Write(0);
            _batches = 0;
            _tables++;
        }

        public void Add(Batch batch) => Add(new RangeRows(batch, null, 0, batch.RowCount));

        /// <summary>Encodes <paramref name="rows"/> as one batch, preceded by its row count, hash range and length.</summary>
        public void Add(RangeRows rows)
        {
            var hashes = ((PrimitiveColumn<ulong>)rows.Batch.Columns[0]).Values;
            var (min, max) = rows.Order is null ? HashRange(hashes.AsSpan(0, rows.Count)) : HashRange(hashes, rows.Picked);
            _writer.Write(rows.Count);
            _writer.Write(min);
            _writer.Write(max);
            _writer.Flush();
            var lengthAt = (int)_buffer.Length;
            _writer.Write(0);
            BatchFileFormat.WriteBatch(_writer, rows.Batch, rows.Picked);
            _writer.Flush();
            _buffer.PatchInt32(lengthAt, checked((int)(_buffer.Length - lengthAt - sizeof(int))));
            _batches++;
            HasBatches = true;
        }

        public void EndTable()
        {
            if (_batchCountAt < 0) return;
            _writer.Flush();
            _buffer.PatchInt32(_batchCountAt, _batches);
            _batchCountAt = -1;
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
    /// lists), then decodes every table. Any damage is an <see cref="InvalidDataException"/>
    /// saying what is wrong: a checksum mismatch, an unknown version, or content that does not decode.
    /// </summary>
    public static Dictionary<string, List<Batch>> Read(byte[] bytes, string? expectedChecksum = null)
    {
        var contents = Open(bytes, expectedChecksum, "state file");
        return contents.TableNames.ToDictionary(name => name, name => contents.Batches(name).Select(b => b.Decode()).ToList());
    }

    /// <summary>
    /// Verifies the file's checksum (and, given one, that it is the checksum the manifest
    /// lists) and reads where its tables' batches are, with their row counts and key-hash
    /// ranges, decoding none of them (a file of format version 2 is decoded here: its batches
    /// cannot be skipped). Damage is an <see cref="InvalidDataException"/> as for <see cref="Read"/>.
    /// </summary>
    /// <param name="source">Names the file in errors of a later decode (e.g. its key in the state dir).</param>
    public static StateFileContents Open(byte[] bytes, string? expectedChecksum, string source)
    {
        var body = Verify(bytes, bytes.Length, expectedChecksum);
        return IndexVerified(bytes, body, source, StateFileBytes.Held(bytes));
    }

    /// <summary>
    /// As <see cref="Open(byte[], string?, string)"/> for a file in the first
    /// <paramref name="length"/> bytes of <paramref name="buffer"/>, which is not kept: the
    /// batches read the file again through <paramref name="reread"/> (into a buffer of its own,
    /// checked against the same checksum) when the first of them is decoded, and give that
    /// buffer back once every subtask is done with the file. <paramref name="buffer"/> is the
    /// caller's again when this returns.
    /// </summary>
    public static StateFileContents Open(byte[] buffer, int length, string? expectedChecksum, string source, Func<byte[]> reread)
    {
        var body = Verify(buffer, length, expectedChecksum);
        return IndexVerified(buffer, body, source, StateFileBytes.Reread(reread));
    }

    /// <summary>
    /// Checks the checksum the first <paramref name="length"/> bytes of <paramref name="bytes"/>
    /// end with (and, given one, that it is <paramref name="expectedChecksum"/>); the length of
    /// the body before it. Damage is an <see cref="InvalidDataException"/>.
    /// </summary>
    public static int Verify(byte[] bytes, int length, string? expectedChecksum)
    {
        const int minimum = 7 + sizeof(int) * 2 + sizeof(uint) + Checksums.Size;
        if (length < minimum) throw new InvalidDataException($"truncated: {length} bytes");
        var body = bytes.AsSpan(0, length - Checksums.Size);
        var stored = Checksums.Read(bytes.AsSpan(body.Length, Checksums.Size));
        if (Checksums.Of(body) != stored)
        {
            // The checksum comes first so a damaged version number reads as damage, not as "too new".
            var version = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(s_magic.Length));
            throw new InvalidDataException(body.StartsWith(s_magic) && version is > 0 and < OldestReadableVersion
                ? $"state file format version {version} (an older arroyo's) is not supported; this build reads versions {OldestReadableVersion} to {FormatVersion}"
                : "checksum mismatch: the file is damaged");
        }
        if (expectedChecksum is not null && Checksums.ToHex(stored) != expectedChecksum)
        {
            throw new InvalidDataException($"its checksum {Checksums.ToHex(stored)} is not the {expectedChecksum} the manifest lists");
        }
        return body.Length;
    }

    private static StateFileContents IndexVerified(byte[] bytes, int bodyLength, string source, StateFileBytes file)
    {
        try
        {
            return Index(bytes, bodyLength, source, file);
        }
        catch (Exception error) when (error is not (InvalidDataException or OutOfMemoryException))
        {
            // The checksum matched, so the bytes are as written: content that does not decode
            // is an encoder/decoder mismatch; still a damaged checkpoint, never a crash.
            throw new InvalidDataException($"cannot be decoded ({error.GetType().Name}: {error.Message})", error);
        }
    }

    private static StateFileContents Index(byte[] bytes, int length, string source, StateFileBytes file)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, length, writable: false));
            var magic = reader.ReadBytes(s_magic.Length);
            if (!magic.AsSpan().SequenceEqual(s_magic)) throw new InvalidDataException("not a state file");
            var version = reader.ReadInt32();
            if (version is < OldestReadableVersion or > FormatVersion)
            {
                throw new InvalidDataException($"state file format version {version} is not supported (this build reads versions {OldestReadableVersion} to {FormatVersion})");
            }
            var tables = new Dictionary<string, List<StoredBatch>>();
            var count = reader.ReadInt32();
            if (count < 0 || count > length) throw new InvalidDataException($"bad table count {count}");
            for (var t = 0; t < count; t++)
            {
                var name = reader.ReadString();
                var batchCount = reader.ReadInt32();
                if (batchCount < 0 || batchCount > length) throw new InvalidDataException($"bad batch count {batchCount}");
                var batches = new List<StoredBatch>(batchCount);
                for (var b = 0; b < batchCount; b++)
                {
                    if (version == 2)
                    {
                        batches.Add(StoredBatch.Decoded(BatchFileFormat.ReadBatch(reader)));
                        continue;
                    }
                    var rows = reader.ReadInt32();
                    var min = reader.ReadUInt64();
                    var max = reader.ReadUInt64();
                    var size = reader.ReadInt32();
                    var offset = (int)reader.BaseStream.Position;
                    if (rows < 0 || size < 0 || size > length - offset || min > max && rows > 0)
                    {
                        throw new InvalidDataException($"bad batch {b} of table '{name}' ({rows} rows, {size} bytes at {offset})");
                    }
                    batches.Add(new StoredBatch(file, offset, size, rows, min, max, $"{source}: batch {b} of table '{name}'"));
                    reader.BaseStream.Position = offset + size;
                }
                tables[name] = batches;
            }
            if (reader.ReadUInt32() != EndMarker || reader.BaseStream.Position != length)
            {
                throw new InvalidDataException("the tables do not end where the file does");
            }
            return new StateFileContents(tables, file);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("truncated: the tables end early");
        }
    }
}

/// <summary>The tables of a verified state file (<see cref="StateFile.Open"/>): where each batch is, decoded on demand.</summary>
public sealed class StateFileContents
{
    private readonly Dictionary<string, List<StoredBatch>> _tables;
    private readonly StateFileBytes _file;

    internal StateFileContents(Dictionary<string, List<StoredBatch>> tables, StateFileBytes file)
    {
        _tables = tables;
        _file = file;
    }

    public IReadOnlyCollection<string> TableNames => _tables.Keys;

    /// <summary>The epoch and subtask that wrote the file, or (-1, -1) when not known.</summary>
    public (long Epoch, int Subtask) Writer { get; private init; } = (-1, -1);

    /// <summary>The same contents, known to be written by <paramref name="subtask"/> at <paramref name="epoch"/>.</summary>
    public StateFileContents WrittenBy(long epoch, int subtask) => new(_tables, _file) { Writer = (epoch, subtask) };

    /// <summary>The batches of <paramref name="table"/> in the order written (none if the file does not hold it).</summary>
    public IReadOnlyList<StoredBatch> Batches(string table) => _tables.TryGetValue(table, out var batches) ? batches : [];

    /// <summary>Only <paramref name="tables"/> of the file (what a later checkpoint carries of an earlier one's file).</summary>
    public StateFileContents Only(IReadOnlyCollection<string> tables) =>
        new(_tables.Where(t => tables.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value), _file) { Writer = Writer };

    // The (subtask, table) pairs done with this file; guarded by itself.
    private readonly HashSet<(int Subtask, string Table)> _passed = [];

    /// <summary>
    /// Records that <paramref name="subtask"/> (of <paramref name="parallelism"/>) has read
    /// what it needs of <paramref name="table"/> in this file. Once every subtask has, for every
    /// table of the file, its batches drop their bytes: no reader will decode them again.
    /// </summary>
    public void Passed(int subtask, int parallelism, string table)
    {
        if (!_tables.ContainsKey(table)) return;
        lock (_passed)
        {
            if (!_passed.Add((subtask, table)) || _passed.Count < parallelism * _tables.Count) return;
        }
        foreach (var batches in _tables.Values)
        {
            foreach (var batch in batches) batch.Release();
        }
        _file.Release();
    }
}

/// <summary>
/// One batch of a state file: its row count and the range of its rows' key hashes, known
/// without decoding it, and the batch itself on <see cref="Decode"/>.
/// </summary>
public sealed class StoredBatch
{
    private StateFileBytes? _file;
    private readonly int _offset;
    private readonly int _length;
    private Batch? _decoded;
    private bool _released;
    private readonly string _source;

    internal StoredBatch(StateFileBytes file, int offset, int length, int rows, ulong minHash, ulong maxHash, string source)
    {
        _file = file;
        _offset = offset;
        _length = length;
        Rows = rows;
        MinHash = minHash;
        MaxHash = maxHash;
        _source = source;
    }

    private StoredBatch(Batch decoded, ulong minHash, ulong maxHash)
    {
        _decoded = decoded;
        Rows = decoded.RowCount;
        MinHash = minHash;
        MaxHash = maxHash;
        _source = "";
    }

    /// <summary>A batch of a format-2 file, decoded already; its hash range is read from its first column.</summary>
    internal static StoredBatch Decoded(Batch batch)
    {
        var (min, max) = batch.Columns.Length > 0 && batch.Columns[0] is PrimitiveColumn<ulong> hashes
            ? StateFile.HashRange(hashes.Values.AsSpan(0, batch.RowCount))
            : (0UL, ulong.MaxValue);
        return new StoredBatch(batch, min, max);
    }

    public int Rows { get; }

    /// <summary>Drops the bytes (or the decoded batch) once no subtask will read the batch again.</summary>
    internal void Release()
    {
        Volatile.Write(ref _released, true);
        _file = null;
        _decoded = null;
    }

    /// <summary>The lowest key hash of the batch's rows.</summary>
    public ulong MinHash { get; }

    /// <summary>The highest key hash of the batch's rows.</summary>
    public ulong MaxHash { get; }

    /// <summary>
    /// The batch. The file's checksum matched when it was opened, so a batch that does not
    /// decode means an encoder/decoder mismatch: an <see cref="InvalidDataException"/> naming
    /// the file, the table and the batch.
    /// </summary>
    public Batch Decode()
    {
        if (Volatile.Read(ref _released)) throw new InvalidOperationException($"{_source} was decoded after every subtask had read it (this is a bug)");
        if (_decoded is not null) return _decoded;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(_file!.Bytes(), _offset, _length, writable: false));
            var batch = BatchFileFormat.ReadBatch(reader);
            if (reader.BaseStream.Position != _length || batch.RowCount != Rows)
            {
                throw new InvalidDataException($"it holds {batch.RowCount} rows in {reader.BaseStream.Position} bytes, its header says {Rows} rows in {_length}");
            }
            return batch;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{_source} cannot be decoded ({error.Message})", error);
        }
    }
}

/// <summary>
/// The bytes of one state file that its batches decode from: held since the file was opened,
/// or (from a store that reads a file again cheaply, <see cref="Arroyo.Storage.IRereadableStore"/>)
/// read again when the first batch is decoded and handed back to the part buffer pool once
/// every subtask is done with the file, so a restore holds only the files being decoded.
/// </summary>
internal sealed class StateFileBytes
{
    private readonly object _lock = new();
    private readonly Func<byte[]>? _reread;
    private byte[]? _bytes;
    private bool _released;

    private StateFileBytes(byte[]? bytes, Func<byte[]>? reread)
    {
        _bytes = bytes;
        _reread = reread;
    }

    public static StateFileBytes Held(byte[] bytes) => new(bytes, null);

    public static StateFileBytes Reread(Func<byte[]> reread) => new(null, reread);

    /// <summary>The file's bytes (read again first if they are not in memory).</summary>
    public byte[] Bytes()
    {
        lock (_lock)
        {
            if (_released) throw new InvalidOperationException("a state file was decoded after every subtask had read it (this is a bug)");
            return _bytes ??= _reread!();
        }
    }

    /// <summary>No batch of the file will be decoded again: drops the bytes (a buffer read again goes back to the pool).</summary>
    public void Release()
    {
        byte[]? reread;
        lock (_lock)
        {
            _released = true;
            reread = _reread is null ? null : _bytes;
            _bytes = null;
        }
        if (reread is not null) PartBufferPool.Return(reread);
    }
}
