namespace Arroyo.Operators.Grouping;

/// <summary>
/// Maps encoded keys (see <see cref="KeyCodec"/>) to dense group ids with chained hashing.
/// Removed ids are reused, so accumulator arrays indexed by group id stay compact. Keys live
/// back to back in one byte arena (not one array each): millions of groups are then a few
/// large arrays, which costs ~40 bytes less per group and gives the GC nothing to trace.
/// Removed keys leave holes that are compacted away once they are half the arena.
/// </summary>
internal sealed class GroupTable
{
    private int[] _buckets = new int[64];
    private int[] _next = new int[16];
    private ulong[] _hashes = new ulong[16];
    private int[] _keyStart = new int[16];
    private int[] _keyLength = new int[16]; // -1: the id is free
    private byte[] _arena = new byte[256];
    private int _arenaUsed;
    private int _arenaGarbage;
    private readonly Stack<int> _free = new();
    private int _highWater;

    /// <summary>One past the largest id ever handed out: size accumulator arrays to this.</summary>
    public int Capacity => _highWater;

    public int Count { get; private set; }

    public ulong HashOf(int group) => _hashes[group];

    /// <summary>The group's key; valid until the next <see cref="FindOrAdd"/> (which may move the arena).</summary>
    public ReadOnlySpan<byte> KeyOf(int group) => _arena.AsSpan(_keyStart[group], _keyLength[group]);

    public bool IsLive(int group) => group < _highWater && _keyLength[group] >= 0;

    public int Find(ulong hash, ReadOnlySpan<byte> key)
    {
        var mixed = Mix(hash, key);
        for (var g = _buckets[(int)(mixed & (ulong)(_buckets.Length - 1))] - 1; g >= 0; g = _next[g] - 1)
        {
            if (_hashes[g] == hash && key.SequenceEqual(KeyOf(g))) return g;
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
        if (g >= _hashes.Length)
        {
            var size = _hashes.Length * 2;
            Array.Resize(ref _keyStart, size);
            Array.Resize(ref _keyLength, size);
            Array.Resize(ref _hashes, size);
            Array.Resize(ref _next, size);
        }
        StoreKey(g, key);
        _hashes[g] = hash;
        Count++;
        if (Count > _buckets.Length) Rehash();
        else Link(g);
        return g;
    }

    public void Remove(int group)
    {
        var bucket = (int)(Mix(_hashes[group], KeyOf(group)) & (ulong)(_buckets.Length - 1));
        var previous = -1;
        for (var g = _buckets[bucket] - 1; g >= 0; previous = g, g = _next[g] - 1)
        {
            if (g != group) continue;
            if (previous < 0) _buckets[bucket] = _next[g];
            else _next[previous] = _next[g];
            break;
        }
        _arenaGarbage += _keyLength[group];
        _keyLength[group] = -1;
        _next[group] = 0;
        _free.Push(group);
        Count--;
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
        foreach (var g in groups)
        {
            _arenaGarbage += _keyLength[g];
            _keyLength[g] = -1;
            _next[g] = 0;
            _free.Push(g);
            Count--;
        }
        Array.Clear(_buckets);
        for (var g = 0; g < _highWater; g++)
        {
            if (_keyLength[g] >= 0) Link(g);
        }
    }

    private void StoreKey(int group, ReadOnlySpan<byte> key)
    {
        if (_arenaUsed + key.Length > _arena.Length)
        {
            // Compact if removed keys are at least half of what is used, else grow.
            if (_arenaGarbage * 2 >= _arenaUsed) Compact();
            if (_arenaUsed + key.Length > _arena.Length)
            {
                var grown = GC.AllocateUninitializedArray<byte>(Math.Max(_arena.Length * 2, _arenaUsed + key.Length));
                _arena.AsSpan(0, _arenaUsed).CopyTo(grown);
                _arena = grown;
            }
        }
        key.CopyTo(_arena.AsSpan(_arenaUsed));
        _keyStart[group] = _arenaUsed;
        _keyLength[group] = key.Length;
        _arenaUsed += key.Length;
    }

    /// <summary>Moves the live keys to the front of the arena, in id order.</summary>
    private void Compact()
    {
        var compacted = GC.AllocateUninitializedArray<byte>(_arena.Length);
        var used = 0;
        for (var g = 0; g < _highWater; g++)
        {
            if (_keyLength[g] < 0) continue;
            _arena.AsSpan(_keyStart[g], _keyLength[g]).CopyTo(compacted.AsSpan(used));
            _keyStart[g] = used;
            used += _keyLength[g];
        }
        _arena = compacted;
        _arenaUsed = used;
        _arenaGarbage = 0;
    }

    /// <summary>Live group ids.</summary>
    public IEnumerable<int> Groups()
    {
        for (var g = 0; g < _highWater; g++)
        {
            if (_keyLength[g] >= 0) yield return g;
        }
    }

    private void Link(int g)
    {
        var bucket = (int)(Mix(_hashes[g], KeyOf(g)) & (ulong)(_buckets.Length - 1));
        _next[g] = _buckets[bucket];
        _buckets[bucket] = g + 1;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        for (var g = 0; g < _highWater; g++)
        {
            if (_keyLength[g] >= 0) Link(g);
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
