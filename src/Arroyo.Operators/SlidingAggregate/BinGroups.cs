namespace Arroyo.Operators.SlidingAggregate;

/// <summary>
/// The (key, bin) → group id map of <see cref="BinnedSlidingAggregator"/>, for keys already
/// numbered by a key table. Rows arrive mostly in time order, so each key's newest group is
/// kept beside the key id and answers the lookup without hashing; only a key's older groups
/// (rows of an earlier bin arriving after a later one started) go through a dictionary. A key
/// whose every group is in one bin (a short input, or a slide as wide as the data) never
/// touches the dictionary at all.
/// </summary>
internal sealed class BinGroups
{
    private int[] _lastGroup = [];  // per key: its newest group, −1 when it has none
    private long[] _lastBin = [];   // per key: that group's bin
    private int[] _groupCount = []; // per key: live groups
    private int[] _keyOf = [];      // per group
    private long[] _binOf = [];     // per group
    private readonly Dictionary<(long Bin, int Key), int> _older = new();
    private readonly Stack<int> _free = new();

    /// <summary>One past the largest group id handed out: size per-group arrays to this.</summary>
    public int Capacity { get; private set; }

    public int KeyOf(int group) => _keyOf[group];

    public long BinOf(int group) => _binOf[group];

    /// <summary>Live groups of <paramref name="key"/>: zero once its last group is removed.</summary>
    public int GroupsOf(int key) => _groupCount[key];

    /// <summary>Makes room for key ids below <paramref name="keys"/>; a new key id starts with no groups.</summary>
    public void EnsureKeys(int keys)
    {
        if (keys <= _lastGroup.Length) return;
        var old = _lastGroup.Length;
        var size = Math.Max(keys, old * 2);
        Array.Resize(ref _lastGroup, size);
        Array.Resize(ref _lastBin, size);
        Array.Resize(ref _groupCount, size);
        _lastGroup.AsSpan(old).Fill(-1);
    }

    /// <summary>The group of (<paramref name="key"/>, <paramref name="bin"/>), or −1.</summary>
    public int Find(int key, long bin)
    {
        var last = _lastGroup[key];
        if (last >= 0 && _lastBin[key] == bin) return last;
        if (_groupCount[key] == (last >= 0 ? 1 : 0)) return -1; // no older groups
        return _older.TryGetValue((bin, key), out var g) ? g : -1;
    }

    /// <summary>A new group for (key, bin), which must not have one; it becomes the key's newest.</summary>
    public int Add(int key, long bin)
    {
        var g = _free.Count > 0 ? _free.Pop() : Capacity++;
        if (g >= _keyOf.Length)
        {
            var size = Math.Max(16, _keyOf.Length * 2);
            Array.Resize(ref _keyOf, size);
            Array.Resize(ref _binOf, size);
        }
        _keyOf[g] = key;
        _binOf[g] = bin;
        var last = _lastGroup[key];
        if (last >= 0) _older.Add((_lastBin[key], key), last);
        _lastGroup[key] = g;
        _lastBin[key] = bin;
        _groupCount[key]++;
        return g;
    }

    /// <summary>Forgets <paramref name="group"/>; its id is reused by a later <see cref="Add"/>.</summary>
    public void Remove(int group)
    {
        var key = _keyOf[group];
        if (_lastGroup[key] == group) _lastGroup[key] = -1;
        else _older.Remove((_binOf[group], key));
        _groupCount[key]--;
        _free.Push(group);
        if (_free.Count == Capacity)
        {
            // Nothing live: start over, so ids (and the accumulator arrays) stay dense.
            _free.Clear();
            Capacity = 0;
        }
    }
}
