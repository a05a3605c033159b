using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arroyo.Execution;

/// <summary>
/// The hash index of a keyed state table: encoded keys (bytes, equal keys equal bytes) to dense
/// ids, which index the table's value columns (<see cref="ChunkedArray{T}"/> or accumulator
/// arrays). Open addressing with linear probing over one int array (id + 1 per slot); no hash is
/// stored per key, the index recomputes it from the key bytes when it grows. The slot array is
/// any size (a hash maps to a slot by multiplication, not a mask), grown by half: 1.33-2 slots
/// per key, where powers of two meant 1.33-2.67 (at a million keys 5.5 MB instead of 8.4). Keys of a fixed
/// width (every key column fixed-width) are kept in chunks at a fixed stride, with no per-key
/// bookkeeping; others back to back in pages with a 4-byte length, located by one long per id.
/// Freed ids are reused, so the id range stays as small as the table.
/// </summary>
public sealed class KeyIndex
{
    private const int Deleted = -1;
    private const int IdChunkShift = ChunkedArray<byte>.ChunkShift;
    private const int IdChunkMask = (1 << IdChunkShift) - 1;
    private const int PageSize = 1 << 20;
    private const int MinSlots = 16;

    private readonly int _width;
    private int[] _slots = new int[MinSlots];
    private int _usedSlots; // live and deleted
    // Ids [_pendingStart, _pendingStart + _pendingCount): live, stored, not yet in the slot
    // array (AddNewMany); anything that reads or changes the slots places them first.
    private int _pendingStart;
    private int _pendingCount;
    private int _highWater;
    private int[] _free = new int[16];
    private int _freeCount;
    private ulong[] _live = new ulong[1];
    private byte[] _scratch;

    // Fixed width: ids [c·64Ki, (c+1)·64Ki) in _fixedChunks[c], _width bytes each.
    private byte[][] _fixedChunks = [];

    // Variable width: page index << 32 | offset of [length][bytes], per id.
    private readonly ChunkedArray<long> _locators = new();
    private readonly List<byte[]> _pages = [];
    private int _pageUsed;
    private long _garbageBytes;
    private long _pageBytes;

    /// <param name="fixedWidth">The width of every key in bytes, or 0 if keys vary in length.
    /// Shorter keys (a null encoded without its value) are padded with zeros to it.</param>
    public KeyIndex(int fixedWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fixedWidth);
        _width = fixedWidth;
        _scratch = new byte[Math.Max(16, fixedWidth)];
    }

    public int Count { get; private set; }

    /// <summary>One past the largest id handed out: value columns must address [0, Capacity).</summary>
    public int Capacity => _highWater;

    public bool IsFixedWidth => _width > 0;

    /// <summary>The slot array's length: it changes only when the index grows (a new array replaces it).</summary>
    public int SlotCount => _slots.Length;

    /// <summary>Bytes held by the slots, keys and bookkeeping (for memory reports and tests).</summary>
    public long BytesHeld =>
        _slots.Length * 4L + _live.Length * 8L + _free.Length * 4L +
        (_width > 0 ? _fixedChunks.Count(c => c is not null) * (long)(_width << IdChunkShift) : _pageBytes + _locators.BytesHeld);

    public bool IsLive(int id) => (uint)id < (uint)_highWater && (_live[id >> 6] & (1UL << id)) != 0;

    /// <summary>The key of a live id; valid until the next add or removal.</summary>
    public ReadOnlySpan<byte> KeyOf(int id)
    {
        if (_width > 0) return _fixedChunks[id >> IdChunkShift].AsSpan((id & IdChunkMask) * _width, _width);
        var locator = _locators[id];
        var page = _pages[(int)(locator >> 32)];
        var offset = (int)locator;
        var length = BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(offset));
        return page.AsSpan(offset + 4, length);
    }

    public int Find(ReadOnlySpan<byte> key)
    {
        PlacePending();
        key = Normalize(key);
        for (var slot = SlotOf(Hash(key)); ; slot = Next(slot))
        {
            var entry = _slots[slot];
            if (entry == 0) return -1;
            if (entry > 0 && SameKey(key, KeyOf(entry - 1))) return entry - 1;
        }
    }

    public int FindOrAdd(ReadOnlySpan<byte> key, out bool added)
    {
        PlacePending();
        key = Normalize(key);
        return FindOrAdd(key, Hash(key), out added);
    }

    /// <summary>How many keys ahead <see cref="FindOrAddMany"/> prefetches the slot a key hashes to.</summary>
    private const int SlotLookahead = 16;

    /// <summary>How many keys ahead it prefetches the key already in that slot (read from the prefetched slot).</summary>
    private const int KeyLookahead = 8;

    /// <summary>
    /// <see cref="FindOrAdd(ReadOnlySpan{byte}, out bool)"/> for many keys in order, key i being
    /// <c>bytes[starts[i]..starts[i + 1]]</c>: the same ids as one call per key. A table of
    /// millions of keys is far bigger than the caches, so each key costs a cache miss for its
    /// slot and one for the key it is compared with; hashing every key first lets the loop
    /// fetch the slots (and then the keys in them) of the keys a few places ahead while it
    /// works on this one, so the misses overlap instead of following one another (a restore
    /// inserts a whole batch this way).
    /// </summary>
    public void FindOrAddMany(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> starts, Span<int> ids, Span<bool> added)
    {
        var count = ids.Length;
        if (starts.Length < count + 1 || added.Length < count) throw new ArgumentException($"{count} ids need {count + 1} starts and {count} added flags");
        PlacePending();
        var hashes = RentHashes(bytes, starts, count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (i + SlotLookahead < count) PrefetchSlot(hashes[i + SlotLookahead]);
                if (i + KeyLookahead < count) PrefetchOccupant(hashes[i + KeyLookahead]);
                ids[i] = FindOrAdd(Normalize(bytes[starts[i]..starts[i + 1]]), hashes[i], out added[i]);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<ulong>.Shared.Return(hashes);
        }
    }

    /// <summary>
    /// <see cref="FindOrAddMany(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{int}, Span{bool})"/>
    /// for an index of 8-16-byte keys, key i given as two little-endian words: its first 8 bytes
    /// <c>first[i]</c> and its last 8 bytes <c>last[i]</c> (they overlap when the width is under
    /// 16; a shorter key padded to the width as <see cref="FindOrAdd(ReadOnlySpan{byte}, out bool)"/>
    /// pads it). The same ids as the byte form. A caller that has each key's value at hand (an
    /// updating GROUP BY on one BIGINT column: 9 bytes, the null flag then the value) forms the
    /// two words in registers instead of writing every key's bytes to be sliced and read back:
    /// the hash and the comparison work on the words, and only a new key's bytes are stored.
    /// </summary>
    public void FindOrAddMany(ReadOnlySpan<ulong> first, ReadOnlySpan<ulong> last, Span<int> ids, Span<bool> added)
    {
        if (_width is < 8 or > 16) throw new InvalidOperationException($"keys given as words need a fixed width of 8-16 bytes, not {_width}");
        var count = ids.Length;
        if (first.Length < count || last.Length < count || added.Length < count) throw new ArgumentException($"{count} ids need {count} first and last words and added flags");
        PlacePending();
        var hashes = System.Buffers.ArrayPool<ulong>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++) hashes[i] = HashWords(first[i], last[i], _width);
            for (var i = 0; i < count; i++)
            {
                if (i + SlotLookahead < count) PrefetchSlot(hashes[i + SlotLookahead]);
                if (i + KeyLookahead < count) PrefetchOccupant(hashes[i + KeyLookahead]);
                ids[i] = FindOrAdd(first[i], last[i], hashes[i], out added[i]);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<ulong>.Shared.Return(hashes);
        }
    }

    /// <summary><see cref="FindOrAdd(ReadOnlySpan{byte}, ulong, out bool)"/> of a key given as its first and last words (a width of 8-16).</summary>
    private int FindOrAdd(ulong first, ulong last, ulong hash, out bool added)
    {
        var id = Probe(new WordsKey(first, last, _width - 8), hash, out var slot);
        added = id < 0;
        if (!added) return id;
        // A new key: its bytes, from the two words, are what the index stores.
        var key = _scratch.AsSpan(0, _width);
        BinaryPrimitives.WriteUInt64LittleEndian(key, first);
        BinaryPrimitives.WriteUInt64LittleEndian(key[(_width - 8)..], last);
        return Place(key, slot, reusesDeleted: _slots[slot] == Deleted);
    }

    /// <summary>
    /// Adds keys the caller knows are not in the index (nor twice among themselves), key i
    /// being <c>bytes[starts[i]..starts[i + 1]]</c>, and gives their ids. Ids come from the free
    /// list first, then in order, so into an index that has none they are consecutive. With no
    /// free ids the keys are only stored: their slots are placed later, all pending keys at
    /// once in slot order (<see cref="PlacePending"/>, before anything reads the slots), so a
    /// restore of a table written whole streams through the slot array instead of missing the
    /// cache (and the TLB) once per key. A key that was in fact present would be held twice:
    /// debug builds check when placing it.
    /// </summary>
    public void AddNewMany(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> starts, Span<int> ids)
    {
        var count = ids.Length;
        if (starts.Length < count + 1) throw new ArgumentException($"{count} ids need {count + 1} starts");
        if (_freeCount > 0)
        {
            PlacePending();
            for (var i = 0; i < count; i++)
            {
                var key = Normalize(bytes[starts[i]..starts[i + 1]]);
                System.Diagnostics.Debug.Assert(Find(key) < 0, "AddNewMany was given a key already in the index");
                var slot = SlotOf(Hash(key));
                while (_slots[slot] > 0) slot = Next(slot);
                ids[i] = Place(key, slot, reusesDeleted: _slots[slot] == Deleted);
            }
            return;
        }
        if (_pendingCount == 0) _pendingStart = _highWater;
        var words = (_highWater + count + 63) >> 6;
        if (words > _live.Length) Array.Resize(ref _live, Math.Max(_live.Length * 2, words));
        for (var i = 0; i < count; i++)
        {
            var id = _highWater++;
            _live[id >> 6] |= 1UL << id;
            StoreKey(id, Normalize(bytes[starts[i]..starts[i + 1]]));
            ids[i] = id;
        }
        Count += count;
        _pendingCount += count;
    }

    /// <summary>The hashes of keys 0..count (a pooled array: return it), all taken before any is inserted.</summary>
    private ulong[] RentHashes(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> starts, int count)
    {
        var hashes = System.Buffers.ArrayPool<ulong>.Shared.Rent(count);
        for (var i = 0; i < count; i++) hashes[i] = Hash(Normalize(bytes[starts[i]..starts[i + 1]]));
        return hashes;
    }

    private unsafe void PrefetchSlot(ulong hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        fixed (int* slot = &_slots[SlotOf(hash)]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(slot);
    }

    /// <summary>Fetches the key a probe for <paramref name="hash"/> compares first (fixed width: its place is known from the id alone).</summary>
    private unsafe void PrefetchOccupant(ulong hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || _width == 0) return;
        var entry = _slots[SlotOf(hash)];
        if (entry <= 0) return;
        var id = entry - 1;
        fixed (byte* key = &_fixedChunks[id >> IdChunkShift][(id & IdChunkMask) * _width]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(key);
    }

    private int FindOrAdd(ReadOnlySpan<byte> key, ulong hash, out bool added)
    {
        var id = Probe(new BytesKey(key), hash, out var slot);
        added = id < 0;
        return added ? Place(key, slot, reusesDeleted: _slots[slot] == Deleted) : id;
    }

    /// <summary>A key a probe compares stored keys with: its normalized bytes, or (8-16 bytes wide) its first and last words.</summary>
    private interface IProbeKey
    {
        bool Matches(KeyIndex index, int id);
    }

    private readonly ref struct BytesKey(ReadOnlySpan<byte> key) : IProbeKey
    {
        private readonly ReadOnlySpan<byte> _key = key;

        public bool Matches(KeyIndex index, int id) => SameKey(_key, index.KeyOf(id));
    }

    private readonly struct WordsKey(ulong first, ulong last, int tail) : IProbeKey
    {
        public bool Matches(KeyIndex index, int id)
        {
            ref var stored = ref index._fixedChunks[id >> IdChunkShift][(id & IdChunkMask) * index._width];
            return Unsafe.ReadUnaligned<ulong>(ref stored) == first && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref stored, tail)) == last;
        }
    }

    /// <summary>
    /// The id of <paramref name="key"/>, or -1 with <paramref name="slot"/> where it would go:
    /// the first deleted mark on its probe path, else the empty slot that ended the probe.
    /// Generic over the key's form, so each form's comparison is compiled into the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into each FindOrAdd: a call per key costs as much as a probe of a table in the cache
    private int Probe<TKey>(TKey key, ulong hash, out int slot) where TKey : IProbeKey, allows ref struct
    {
        var firstDeleted = -1;
        for (slot = SlotOf(hash); ; slot = Next(slot))
        {
            var entry = _slots[slot];
            if (entry == 0) break;
            if (entry == Deleted)
            {
                if (firstDeleted < 0) firstDeleted = slot;
            }
            else if (key.Matches(this, entry - 1))
            {
                return entry - 1;
            }
        }
        if (firstDeleted >= 0) slot = firstDeleted;
        return -1;
    }

    /// <summary>Gives a new key an id and puts it in <paramref name="slot"/> (empty, or a deleted mark).</summary>
    private int Place(ReadOnlySpan<byte> key, int slot, bool reusesDeleted)
    {
        var id = _freeCount > 0 ? _free[--_freeCount] : _highWater++;
        if ((id >> 6) >= _live.Length) Array.Resize(ref _live, Math.Max(_live.Length * 2, (id >> 6) + 1));
        _live[id >> 6] |= 1UL << id;
        StoreKey(id, key);
        Count++;
        _slots[slot] = id + 1;
        if (reusesDeleted) return id;
        _usedSlots++;
        // Load at most 3/4, counting deleted slots (they lengthen probes as live ones do).
        if (_usedSlots * 4L > _slots.Length * 3L) Rebuild(growing: true);
        return id;
    }

    public void Remove(int id)
    {
        if (!IsLive(id)) throw new ArgumentException($"key id {id} is not in the index");
        PlacePending();
        var key = KeyOf(id);
        for (var slot = SlotOf(Hash(key)); ; slot = Next(slot))
        {
            if (_slots[slot] != id + 1) continue;
            // A deleted mark keeps later keys of the probe chain reachable; the next empty
            // slot after it would end their probes. Where the chain ends here anyway, empty it.
            _slots[slot] = _slots[Next(slot)] == 0 ? 0 : Deleted;
            if (_slots[slot] == 0) _usedSlots--;
            break;
        }
        _live[id >> 6] &= ~(1UL << id);
        if (_width == 0)
        {
            _garbageBytes += 4 + key.Length;
        }
        if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = id;
        Count--;
        if (Count == 0)
        {
            Clear();
            return;
        }
        if (_width == 0 && _garbageBytes > PageSize && _garbageBytes * 2 > _pageBytes) CompactPages();
    }

    /// <summary>
    /// Makes room for <paramref name="keys"/> keys in all without growing: the slot array at its
    /// final size (so adding them never rehashes) and the live-id bitmap. A restore calls it
    /// with the row count its files record before adding the keys.
    /// </summary>
    public void Reserve(int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keys);
        PlacePending();
        if (ReservedSlotsFor(keys) > _slots.Length)
        {
            // Mapped in at once before the rebuild writes it (one big array: 2 MB pages).
            RebuildInto(Arroyo.Core.Memory.MemoryPrefault.AllocateZeroed<int>(Math.Max(ReservedSlotsFor(keys), SlotsFor(Count))));
        }
        var words = (keys + 63) >> 6;
        if (words > _live.Length) Array.Resize(ref _live, words);
    }

    /// <summary>
    /// Allocates the key storage of ids [0, <paramref name="ids"/>) and maps it in at once
    /// (<see cref="Arroyo.Core.Memory.MemoryPrefault"/>), for a restore about to add that many keys; fixed-width
    /// keys only (others are stored in pages as they come).
    /// </summary>
    public void PopulateKeys(int ids)
    {
        if (_width == 0 || ids <= 0) return;
        var chunks = ((ids - 1) >> IdChunkShift) + 1;
        if (chunks > _fixedChunks.Length) Array.Resize(ref _fixedChunks, Math.Max(chunks, _fixedChunks.Length * 2));
        var first = chunks;
        while (first > 0 && _fixedChunks[first - 1] is null) first--;
        if (first == chunks) return;
        var fresh = Arroyo.Core.Memory.MemoryPrefault.AllocateZeroedRun<byte>(chunks - first, _width << IdChunkShift);
        for (var c = first; c < chunks; c++) _fixedChunks[c] = fresh[c - first];
    }

    /// <summary>Empties the index (keeps the slot array).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _usedSlots = 0;
        _pendingCount = 0;
        _highWater = 0;
        _freeCount = 0;
        Count = 0;
        Array.Clear(_live);
        _fixedChunks = [];
        _locators.Reset();
        _pages.Clear();
        _pageUsed = 0;
        _pageBytes = 0;
        _garbageBytes = 0;
    }

    private ReadOnlySpan<byte> Normalize(ReadOnlySpan<byte> key)
    {
        if (_width == 0 || key.Length == _width) return key;
        if (key.Length > _width) throw new ArgumentException($"key of {key.Length} bytes in an index of {_width}-byte keys");
        key.CopyTo(_scratch);
        _scratch.AsSpan(key.Length, _width - key.Length).Clear();
        return _scratch.AsSpan(0, _width);
    }

    // Keys of 8-16 bytes (one or two fixed-width key columns: a BIGINT key is 9 bytes) are
    // hashed and compared as two overlapping 8-byte words, inline: a call into XxHash3 and one
    // into the vectorised SequenceEqual cost more than the probe itself for a table that fits
    // in the cache (an updating GROUP BY of 10 000 keys: ~40 % of its per-row lookup).
    private static ulong Hash(ReadOnlySpan<byte> key) => key.Length is >= 8 and <= 16 ? HashShort(key) : XxHash3.HashToUInt64(key);

    /// <summary>A multiply-rotate of the two words, then the MurmurHash3 finaliser (every input bit reaches the high bits <see cref="SlotOf"/> uses).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashShort(ReadOnlySpan<byte> key)
    {
        ref var start = ref MemoryMarshal.GetReference(key);
        return HashWords(Unsafe.ReadUnaligned<ulong>(ref start), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, key.Length - 8)), key.Length);
    }

    /// <summary><see cref="HashShort"/> of a key of <paramref name="length"/> bytes (8-16) whose first and last 8 bytes are <paramref name="first"/> and <paramref name="last"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashWords(ulong first, ulong last, int length)
    {
        var h = (first * 0x9E3779B97F4A7C15UL) ^ BitOperations.RotateLeft(last * 0xC2B2AE3D27D4EB4FUL, 31) ^ (ulong)length;
        h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDUL;
        h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SameKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> stored)
    {
        if (key.Length != stored.Length) return false;
        if (key.Length is < 8 or > 16) return key.SequenceEqual(stored);
        ref var a = ref MemoryMarshal.GetReference(key);
        ref var b = ref MemoryMarshal.GetReference(stored);
        var tail = key.Length - 8;
        return Unsafe.ReadUnaligned<ulong>(ref a) == Unsafe.ReadUnaligned<ulong>(ref b) &&
               Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, tail)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, tail));
    }

    /// <summary>The slot a probe for <paramref name="hash"/> starts at: its high 32 bits scaled to the slot count (any size, no modulo).</summary>
    private int SlotOf(ulong hash) => (int)(((hash >> 32) * (ulong)(uint)_slots.Length) >> 32);

    private int Next(int slot) => slot + 1 == _slots.Length ? 0 : slot + 1;

    private void StoreKey(int id, ReadOnlySpan<byte> key)
    {
        if (_width > 0)
        {
            var chunk = id >> IdChunkShift;
            if (chunk >= _fixedChunks.Length) Array.Resize(ref _fixedChunks, Math.Max(4, Math.Max(chunk + 1, _fixedChunks.Length * 2)));
            var bytes = _fixedChunks[chunk] ??= new byte[_width << IdChunkShift];
            key.CopyTo(bytes.AsSpan((id & IdChunkMask) * _width));
            return;
        }
        _locators.EnsureCapacity(id + 1);
        _locators[id] = Append(key);
    }

    private long Append(ReadOnlySpan<byte> key)
    {
        var need = 4 + key.Length;
        if (_pages.Count == 0 || _pageUsed + need > _pages[^1].Length)
        {
            if (_pages.Count > 0) _garbageBytes += _pages[^1].Length - _pageUsed; // the unused tail
            var page = new byte[Math.Max(PageSize, need)];
            _pages.Add(page);
            _pageBytes += page.Length;
            _pageUsed = 0;
        }
        var current = _pages[^1];
        BinaryPrimitives.WriteInt32LittleEndian(current.AsSpan(_pageUsed), key.Length);
        key.CopyTo(current.AsSpan(_pageUsed + 4));
        var locator = ((long)(_pages.Count - 1) << 32) | (uint)_pageUsed;
        _pageUsed += need;
        return locator;
    }

    /// <summary>Moves the live keys of a variable-width index into fresh pages.</summary>
    private void CompactPages()
    {
        var old = _pages.ToArray();
        _pages.Clear();
        _pageUsed = 0;
        _pageBytes = 0;
        _garbageBytes = 0;
        for (var id = 0; id < _highWater; id++)
        {
            if (!IsLive(id)) continue;
            var locator = _locators[id];
            var page = old[(int)(locator >> 32)];
            var offset = (int)locator;
            var length = BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(offset));
            _locators[id] = Append(page.AsSpan(offset + 4, length));
        }
    }

    /// <summary>
    /// The slot array size a rebuild gives <paramref name="keys"/> live keys: twice as many
    /// slots, so the index rebuilds again (at 3/4 full, <see cref="Place"/>) after growing by
    /// half: 1.33-2 slots of 4 B per key (5.3-8 B) as it grows.
    /// </summary>
    private static int SlotsFor(int keys) => (int)Math.Min(Array.MaxLength, Math.Max(MinSlots, keys * 2L));

    /// <summary>The slot array size that holds <paramref name="keys"/> keys at most 3/4 full (<see cref="Reserve"/>: keys known up front).</summary>
    private static int ReservedSlotsFor(int keys) => (int)Math.Min(Array.MaxLength, Math.Max(MinSlots, (keys * 4L + 2) / 3 + 1));

    /// <summary>
    /// Re-inserts every live key into a fresh slot array of the size <see cref="SlotsFor"/>
    /// gives the live keys (drops deleted marks). <paramref name="growing"/>: a table growing
    /// key by key, whose rebuild places in small blocks (<see cref="GrowthPlaceBlock"/>).
    /// </summary>
    private void Rebuild(bool growing = false) => RebuildInto(new int[SlotsFor(Count)], growing ? GrowthPlaceBlock : PlaceBlock);

    /// <summary><see cref="Rebuild"/> into <paramref name="empty"/>, a new slot array, placing <paramref name="block"/> ids per pass.</summary>
    private void RebuildInto(int[] empty, int block = PlaceBlock)
    {
        _slots = empty;
        _usedSlots = 0;
        _pendingCount = 0;
        PlaceSorted(0, _highWater, block);
    }

    /// <summary>
    /// Puts the keys <see cref="AddNewMany"/> only stored into the slot array, growing it first
    /// if they would fill it past 3/4 (one rebuild, however many keys came).
    /// </summary>
    private void PlacePending()
    {
        if (_pendingCount == 0) return;
        if ((_usedSlots + (long)_pendingCount) * 4 > _slots.Length * 3L)
        {
            Rebuild();
            return;
        }
        var (start, count) = (_pendingStart, _pendingCount);
        _pendingCount = 0;
        PlaceSorted(start, start + count);
    }

    /// <summary>Ids placed per pass of <see cref="PlaceSorted"/> for keys a restore stored: its scratch is 12 B per id.</summary>
    private const int PlaceBlock = 1 << 20;

    /// <summary>
    /// Ids placed per pass when a table growing key by key rebuilds its slots: 96 KB of scratch
    /// that dies young in the small object heap. A million-id block's 12 MB went to the large
    /// object heap at every growth, beside the old and new slot arrays, and stayed in the
    /// process's memory as free space there. Each pass is a sweep of the slot array in slot
    /// order, so small blocks still write it front to back.
    /// </summary>
    private const int GrowthPlaceBlock = 1 << 13;

    /// <summary>Home-slot buckets per pass of a full block: a bucket's slots span a few cache lines.</summary>
    private const int PlaceBucketBits = 16;

    /// <summary>
    /// Puts the live ids of [from, to) (none in the slot array yet) into their slots. Random
    /// order would cost a cache and TLB miss per key in a slot array of tens of megabytes; so a
    /// block of ids at a time is sorted by home slot (a counting sort on its top bits) and
    /// placed in that order, a pass from the start of the slot array to its end. Linear probing
    /// finds the same keys whatever order they were placed in: each still takes the first free
    /// slot from its home.
    /// </summary>
    private void PlaceSorted(int from, int to, int maxBlock = PlaceBlock)
    {
        if (to <= from) return;
        var block = Math.Min(maxBlock, to - from);
        // Plain arrays, not the shared pool: up to 12 MB that the pool would keep for the rest
        // of the run, while a placement happens only at a rebuild or a restore (a pooled pair
        // added ~12-20 B per key to a million-key table's steady memory).
        var homes = GC.AllocateUninitializedArray<int>(block);
        var sorted = GC.AllocateUninitializedArray<ulong>(block);
        // As many buckets as ids in a block (up to 2^16): a small block's counts stay small too.
        var bucketBits = Math.Min(PlaceBucketBits, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Max(1, block - 1)));
        var starts = new int[(1 << bucketBits) + 1];
        // A home's bucket: its top bits, so buckets follow the slot array from start to end.
        var shift = Math.Max(0, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)_slots.Length) - bucketBits);
        for (var first = from; first < to; first += block)
        {
            var end = (int)Math.Min(to, (long)first + block);
            Array.Clear(starts);
            for (var id = first; id < end; id++)
            {
                if (!IsLive(id)) continue;
                var home = SlotOf(Hash(KeyOf(id)));
                homes[id - first] = home;
                starts[(home >> shift) + 1]++;
            }
            for (var b = 1; b < starts.Length; b++) starts[b] += starts[b - 1];
            var n = starts[^1];
            for (var id = first; id < end; id++)
            {
                if (!IsLive(id)) continue;
                var home = homes[id - first];
                sorted[starts[home >> shift]++] = (ulong)(uint)home << 32 | (uint)id;
            }
            for (var k = 0; k < n; k++)
            {
                var id = (int)(uint)sorted[k];
                System.Diagnostics.Debug.Assert(FindPlaced(KeyOf(id)) < 0, "AddNewMany was given a key already in the index");
                var slot = (int)(sorted[k] >> 32);
                while (_slots[slot] > 0) slot = Next(slot);
                if (_slots[slot] == 0) _usedSlots++;
                _slots[slot] = id + 1;
            }
        }
    }

    /// <summary>The id of a normalized key among the keys placed in slots (debug checks).</summary>
    private int FindPlaced(ReadOnlySpan<byte> key)
    {
        for (var slot = SlotOf(Hash(key)); ; slot = Next(slot))
        {
            var entry = _slots[slot];
            if (entry == 0) return -1;
            if (entry > 0 && key.SequenceEqual(KeyOf(entry - 1))) return entry - 1;
        }
    }
}
