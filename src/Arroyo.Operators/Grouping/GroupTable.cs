namespace Arroyo.Operators.Grouping;

/// <summary>
/// Maps encoded keys (see <see cref="KeyCodec"/>) to dense group ids with chained hashing.
/// Removed ids are reused, so accumulator arrays indexed by group id stay compact. The only
/// allocation is one byte array per new group.
/// </summary>
internal sealed class GroupTable
{
    private int[] _buckets = new int[64];
    private int[] _next = new int[16];
    private ulong[] _hashes = new ulong[16];
    private byte[]?[] _keys = new byte[]?[16];
    private readonly Stack<int> _free = new();
    private int _highWater;

    /// <summary>One past the largest id ever handed out: size accumulator arrays to this.</summary>
    public int Capacity => _highWater;

    public int Count { get; private set; }

    public ulong HashOf(int group) => _hashes[group];

    public ReadOnlySpan<byte> KeyOf(int group) => _keys[group];

    public bool IsLive(int group) => group < _highWater && _keys[group] is not null;

    public int Find(ulong hash, ReadOnlySpan<byte> key)
    {
        var mixed = Mix(hash, key);
        for (var g = _buckets[(int)(mixed & (ulong)(_buckets.Length - 1))] - 1; g >= 0; g = _next[g] - 1)
        {
            if (_hashes[g] == hash && key.SequenceEqual(_keys[g])) return g;
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
        if (g >= _keys.Length)
        {
            var size = _keys.Length * 2;
            Array.Resize(ref _keys, size);
            Array.Resize(ref _hashes, size);
            Array.Resize(ref _next, size);
        }
        _keys[g] = key.ToArray();
        _hashes[g] = hash;
        Count++;
        if (Count > _buckets.Length) Rehash();
        else Link(g);
        return g;
    }

    public void Remove(int group)
    {
        var key = _keys[group]!;
        var bucket = (int)(Mix(_hashes[group], key) & (ulong)(_buckets.Length - 1));
        var previous = -1;
        for (var g = _buckets[bucket] - 1; g >= 0; previous = g, g = _next[g] - 1)
        {
            if (g != group) continue;
            if (previous < 0) _buckets[bucket] = _next[g];
            else _next[previous] = _next[g];
            break;
        }
        _keys[group] = null;
        _next[group] = 0;
        _free.Push(group);
        Count--;
    }

    /// <summary>Live group ids.</summary>
    public IEnumerable<int> Groups()
    {
        for (var g = 0; g < _highWater; g++)
        {
            if (_keys[g] is not null) yield return g;
        }
    }

    private void Link(int g)
    {
        var bucket = (int)(Mix(_hashes[g], _keys[g]) & (ulong)(_buckets.Length - 1));
        _next[g] = _buckets[bucket];
        _buckets[bucket] = g + 1;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        for (var g = 0; g < _highWater; g++)
        {
            if (_keys[g] is not null) Link(g);
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
