namespace Arroyo.Operators.Grouping;

/// <summary>
/// Maps encoded keys (see <see cref="KeyCodec"/>) to dense group ids with chained hashing.
/// Removed ids are reused, so accumulator arrays indexed by group id stay compact. Keys live
/// back to back in a few large byte pages (not one array each): millions of groups are then
/// a few hundred arrays, which costs ~40 bytes less per group and gives the GC little to
/// trace. Pages are never grown by copying (a full page is followed by a new one), so a big
/// table costs its size once, not twice while a doubled arena is filled; a page whose keys
/// are all removed is released, and removed keys are compacted away once they are half of
/// what the pages hold.
/// </summary>
internal sealed class GroupTable
{
    // Pages start small (most tables hold a handful of keys) and double up to MaxPageSize,
    // which is above the CLI's large-object threshold: full-size pages go straight to the
    // large object heap, where the GC never copies them.
    private const int FirstPageSize = 256;
    internal const int MaxPageSize = 4 << 20;

    // What a lookup reads of a group sits in one 24-byte entry (one cache line, mostly),
    // not in five arrays: a probe of a big table then misses the cache about three times
    // (bucket, entry, key bytes) instead of six.
    private struct Entry
    {
        public ulong Hash;
        public int Next;      // 1 + the next id in the bucket's chain, 0 at its end
        public int Page;
        public int Offset;
        public int Length;    // -1: the id is free
    }

    private int[] _buckets = new int[64];
    private Entry[] _entries = new Entry[16];
    private byte[]?[] _pages = new byte[]?[4];
    private int[] _pageLive = new int[4]; // bytes of live keys per page
    private int _pageCount;
    private int _currentPage = -1;
    private int _currentUsed;
    private long _pageBytes;   // sum of the sizes of the pages held
    private long _garbageBytes; // bytes of removed keys still in held pages
    private readonly Stack<int> _free = new();
    private readonly Stack<int> _freePageSlots = new();
    private int _highWater;

    /// <summary>One past the largest id ever handed out: size accumulator arrays to this.</summary>
    public int Capacity => _highWater;

    public int Count { get; private set; }

    /// <summary>Bytes held by key pages (for tests and memory reports).</summary>
    public long KeyBytesHeld => _pageBytes;

    public ulong HashOf(int group) => _entries[group].Hash;

    /// <summary>The group's key; valid until the next <see cref="FindOrAdd"/> or removal (which may compact the pages).</summary>
    public ReadOnlySpan<byte> KeyOf(int group)
    {
        ref var e = ref _entries[group];
        return _pages[e.Page].AsSpan(e.Offset, e.Length);
    }

    public bool IsLive(int group) => group < _highWater && _entries[group].Length >= 0;

    public int Find(ulong hash, ReadOnlySpan<byte> key)
    {
        var mixed = Mix(hash, key);
        var entries = _entries;
        for (var g = _buckets[(int)(mixed & (ulong)(_buckets.Length - 1))] - 1; g >= 0;)
        {
            ref var e = ref entries[g];
            if (e.Hash == hash && e.Length == key.Length && key.SequenceEqual(_pages[e.Page].AsSpan(e.Offset, e.Length))) return g;
            g = e.Next - 1;
        }
        return -1;
    }

    public int FindOrAdd(ulong hash, ReadOnlySpan<byte> key, out bool added)
    {
        var found = Find(hash, key);
        if (found >= 0)
        {
            added = false;
            return found;
        }
        added = true;
        var g = _free.Count > 0 ? _free.Pop() : _highWater++;
        if (g >= _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        StoreKey(g, key);
        _entries[g].Hash = hash;
        Count++;
        if (Count > _buckets.Length) Rehash();
        else Link(g);
        return g;
    }

    public void Remove(int group)
    {
        var bucket = (int)(Mix(_entries[group].Hash, KeyOf(group)) & (ulong)(_buckets.Length - 1));
        var previous = -1;
        for (var g = _buckets[bucket] - 1; g >= 0; previous = g, g = _entries[g].Next - 1)
        {
            if (g != group) continue;
            if (previous < 0) _buckets[bucket] = _entries[g].Next;
            else _entries[previous].Next = _entries[g].Next;
            break;
        }
        Release(group);
        AfterRemoval();
    }

    /// <summary>
    /// Removes many groups at once (every group of the windows that just closed). When they
    /// are most of the table, relinking the survivors beats unlinking each one, which costs
    /// a few cache misses per group.
    /// </summary>
    public void RemoveMany(List<int> groups)
    {
        if (groups.Count * 2 < Count)
        {
            foreach (var g in groups) Remove(g);
            return;
        }
        foreach (var g in groups) Release(g);
        Array.Clear(_buckets);
        if (Count > 0)
        {
            for (var g = 0; g < _highWater; g++)
            {
                if (_entries[g].Length >= 0) Link(g);
            }
        }
        AfterRemoval();
    }

    /// <summary>Frees the id and its key bytes (the id is already unlinked or about to be relinked).</summary>
    private void Release(int group)
    {
        ref var e = ref _entries[group];
        var page = e.Page;
        var length = e.Length;
        e.Length = -1;
        e.Next = 0;
        _free.Push(group);
        Count--;
        _pageLive[page] -= length;
        if (_pageLive[page] == 0 && page != _currentPage)
        {
            // Every key of this page is gone: give the page back rather than count it as garbage.
            _garbageBytes -= _pages[page]!.Length - length;
            _pageBytes -= _pages[page]!.Length;
            _pages[page] = null;
            _freePageSlots.Push(page);
        }
        else
        {
            _garbageBytes += length;
        }
    }

    private void AfterRemoval()
    {
        if (Count == 0)
        {
            // Empty (e.g. the last window closed): drop every page and id, keep the buckets.
            Array.Clear(_pages, 0, _pageCount);
            _pageCount = 0;
            _currentPage = -1;
            _currentUsed = 0;
            _pageBytes = 0;
            _garbageBytes = 0;
            _freePageSlots.Clear();
            _free.Clear();
            _highWater = 0;
            Array.Clear(_buckets);
            return;
        }
        if (_garbageBytes > MaxPageSize && _garbageBytes * 2 >= _pageBytes) Compact();
    }

    private void StoreKey(int group, ReadOnlySpan<byte> key)
    {
        if (_currentPage < 0 || _currentUsed + key.Length > _pages[_currentPage]!.Length) NewPage(key.Length);
        var page = _pages[_currentPage]!;
        key.CopyTo(page.AsSpan(_currentUsed));
        ref var e = ref _entries[group];
        e.Page = _currentPage;
        e.Offset = _currentUsed;
        e.Length = key.Length;
        _currentUsed += key.Length;
        _pageLive[_currentPage] += key.Length;
    }

    private void NewPage(int atLeast)
    {
        if (_currentPage >= 0)
        {
            // The unused tail of the page it leaves is lost space; count it as garbage.
            var old = _currentPage;
            var tail = _pages[old]!.Length - _currentUsed;
            _garbageBytes += tail;
            if (_pageLive[old] == 0)
            {
                _garbageBytes -= _pages[old]!.Length;
                _pageBytes -= _pages[old]!.Length;
                _pages[old] = null;
                _freePageSlots.Push(old);
            }
        }
        var lastSize = _currentPage >= 0 && _pages[_currentPage] is { } last ? last.Length : FirstPageSize / 2;
        var size = Math.Max(Math.Min(lastSize * 2, MaxPageSize), atLeast);
        int slot;
        if (_freePageSlots.Count > 0)
        {
            slot = _freePageSlots.Pop();
        }
        else
        {
            slot = _pageCount++;
            if (slot >= _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
                Array.Resize(ref _pageLive, _pages.Length);
            }
        }
        _pages[slot] = GC.AllocateUninitializedArray<byte>(size);
        _pageLive[slot] = 0;
        _pageBytes += size;
        _currentPage = slot;
        _currentUsed = 0;
    }

    /// <summary>Moves the live keys into fresh pages, in id order.</summary>
    private void Compact()
    {
        var oldPages = _pages;
        var oldCount = _pageCount;
        _pages = new byte[]?[Math.Max(4, oldPages.Length)];
        _pageLive = new int[_pages.Length];
        _pageCount = 0;
        _currentPage = -1;
        _currentUsed = 0;
        _pageBytes = 0;
        _garbageBytes = 0;
        _freePageSlots.Clear();
        for (var g = 0; g < _highWater; g++)
        {
            var e = _entries[g];
            if (e.Length < 0) continue;
            StoreKey(g, oldPages[e.Page].AsSpan(e.Offset, e.Length));
        }
        Array.Clear(oldPages, 0, oldCount);
    }

    /// <summary>Live group ids.</summary>
    public IEnumerable<int> Groups()
    {
        for (var g = 0; g < _highWater; g++)
        {
            if (_entries[g].Length >= 0) yield return g;
        }
    }

    private void Link(int g)
    {
        var bucket = (int)(Mix(_entries[g].Hash, KeyOf(g)) & (ulong)(_buckets.Length - 1));
        _entries[g].Next = _buckets[bucket];
        _buckets[bucket] = g + 1;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        for (var g = 0; g < _highWater; g++)
        {
            if (_entries[g].Length >= 0) Link(g);
        }
    }

    // The key hash is the same for every window of a key; mix in the prefix (window start) so
    // windows of one key spread over buckets.
    private static ulong Mix(ulong hash, ReadOnlySpan<byte> key)
    {
        var prefix = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(key);
        var z = hash ^ (prefix * 0x9E3779B97F4A7C15UL);
        return z ^ (z >> 29);
    }
}
