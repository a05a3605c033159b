using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// Maps (prefix, key) to dense group ids, where the key is no column at all or one nullable
/// 64-bit column (BIGINT, TIMESTAMP, TIME) and the prefix a window or bin start: the common
/// windowed GROUP BY (by auction, by bidder, by the window alone). Entries hold the values
/// themselves, so a lookup is a multiply, a bucket and an entry (two cache misses at most),
/// where <see cref="GroupTable"/> first encodes the row's key to bytes, hashes them and then
/// compares them against key bytes in a page (three misses). The stable key hash that
/// checkpoints need (<see cref="KeyHasher"/>) is computed only when asked for, not per row.
/// Removed ids are reused, as in <see cref="GroupTable"/>, so accumulator arrays stay compact.
/// </summary>
internal sealed class LongKeyTable
{
    private const int Free = 0, HasValue = 1, IsNullKey = 2;

    private struct Entry
    {
        public long Prefix;
        public long Value;
        public int Next;  // 1 + the next id in the bucket's chain, 0 at its end
        public int State; // Free, HasValue or IsNullKey
    }

    private int[] _buckets = new int[64];
    private Entry[] _entries = new Entry[16];
    private readonly Stack<int> _free = new();
    private int _highWater;

    /// <param name="hasKey">False: no key column, every group of a prefix is the same (its value is unused).</param>
    /// <param name="keyColumn">The input column the key is read from (<see cref="KeyColumnOf"/>); -1 without one.</param>
    public LongKeyTable(bool hasKey, int keyColumn = -1)
    {
        HasKey = hasKey;
        KeyColumn = keyColumn;
    }

    /// <summary>
    /// The table for groups keyed by <paramref name="keys"/> (column indices into <paramref name="input"/>),
    /// or null when they are not no column or one 64-bit column: those keep the encoded-key table.
    /// </summary>
    public static LongKeyTable? For(int[] keys, Arroyo.Core.Types.Schema input) =>
        keys.Length == 0 ? new LongKeyTable(hasKey: false)
        : keys.Length == 1 && Supports(input[keys[0]].Type.Kind) ? new LongKeyTable(hasKey: true, keys[0])
        : null;

    public bool HasKey { get; }

    public int KeyColumn { get; }

    /// <summary>The key column of an input batch, null without a key column.</summary>
    public PrimitiveColumn<long>? KeyColumnOf(Batch batch) => HasKey ? (PrimitiveColumn<long>)batch.Columns[KeyColumn] : null;

    /// <summary>One past the largest id ever handed out: size accumulator arrays to this.</summary>
    public int Capacity => _highWater;

    public int Count { get; private set; }

    /// <summary>Whether a key of type <paramref name="kind"/> is held in a <c>PrimitiveColumn&lt;long&gt;</c>, which this table takes.</summary>
    public static bool Supports(Arroyo.Core.Types.TypeKind kind) =>
        kind is Arroyo.Core.Types.TypeKind.Int64 or Arroyo.Core.Types.TypeKind.Timestamp or Arroyo.Core.Types.TypeKind.Time;

    public long PrefixOf(int id) => _entries[id].Prefix;

    /// <summary>Live ids, in id order (as <see cref="GroupTable.Groups"/>).</summary>
    public IEnumerable<int> Groups()
    {
        for (var g = 0; g < _highWater; g++)
        {
            if (_entries[g].State != Free) yield return g;
        }
    }

    /// <summary>The key's hash as <see cref="KeyHasher.HashRows"/> gives it for the row it came from.</summary>
    public ulong HashOf(int id)
    {
        ref var e = ref _entries[id];
        return HasKey ? KeyHasher.HashInt64(e.Value, e.State == IsNullKey) : KeyHasher.HashNoColumns();
    }

    /// <summary>Appends the key of <paramref name="id"/> to <paramref name="builder"/> (nothing without a key column).</summary>
    public void AppendKey(int id, ColumnBuilder? builder)
    {
        if (!HasKey) return;
        ref var e = ref _entries[id];
        if (e.State == IsNullKey) builder!.AppendNull();
        else ((PrimitiveColumnBuilder<long>)builder!).Append(e.Value);
    }

    public int FindOrAdd(long prefix, long value, bool isNull, out bool added)
    {
        var state = isNull ? IsNullKey : HasValue;
        if (isNull) value = 0;
        var entries = _entries;
        var bucket = Bucket(prefix, value, state, _buckets.Length);
        for (var g = _buckets[bucket] - 1; g >= 0;)
        {
            ref var e = ref entries[g];
            if (e.Value == value && e.Prefix == prefix && e.State == state)
            {
                added = false;
                return g;
            }
            g = e.Next - 1;
        }
        added = true;
        return Add(prefix, value, state);
    }

    private int Add(long prefix, long value, int state)
    {
        var g = _free.Count > 0 ? _free.Pop() : _highWater++;
        if (g >= _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        ref var e = ref _entries[g];
        e.Prefix = prefix;
        e.Value = value;
        e.State = state;
        Count++;
        if (Count > _buckets.Length) Rehash();
        else Link(g);
        return g;
    }

    public void Remove(int id)
    {
        ref var removed = ref _entries[id];
        var bucket = Bucket(removed.Prefix, removed.Value, removed.State, _buckets.Length);
        var previous = -1;
        for (var g = _buckets[bucket] - 1; g >= 0; previous = g, g = _entries[g].Next - 1)
        {
            if (g != id) continue;
            if (previous < 0) _buckets[bucket] = _entries[g].Next;
            else _entries[previous].Next = _entries[g].Next;
            break;
        }
        Release(id);
        AfterRemoval();
    }

    /// <summary>Removes many ids at once; when they are most of the table, relinks the survivors instead of unlinking each.</summary>
    public void RemoveMany(List<int> ids)
    {
        if (ids.Count * 2 < Count)
        {
            foreach (var g in ids) Remove(g);
            return;
        }
        foreach (var g in ids) Release(g);
        Array.Clear(_buckets);
        for (var g = 0; g < _highWater && Count > 0; g++)
        {
            if (_entries[g].State != Free) Link(g);
        }
        AfterRemoval();
    }

    private void Release(int id)
    {
        ref var e = ref _entries[id];
        e.State = Free;
        e.Next = 0;
        _free.Push(id);
        Count--;
    }

    private void AfterRemoval()
    {
        if (Count > 0) return;
        // Empty (the last window closed): ids start again at 0, so accumulator arrays stay dense.
        _free.Clear();
        _highWater = 0;
        Array.Clear(_buckets);
    }

    private void Link(int g)
    {
        ref var e = ref _entries[g];
        var bucket = Bucket(e.Prefix, e.Value, e.State, _buckets.Length);
        e.Next = _buckets[bucket];
        _buckets[bucket] = g + 1;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        for (var g = 0; g < _highWater; g++)
        {
            if (_entries[g].State != Free) Link(g);
        }
    }

    // Ids, prices and timestamps are often sequential or multiples of a step: multiply, then
    // fold the high bits (where the multiply puts the spread) into the bucket index.
    private static int Bucket(long prefix, long value, int state, int buckets)
    {
        var z = ((ulong)value ^ ((ulong)prefix * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)state) * 0x9E3779B97F4A7C15UL;
        return (int)((z ^ (z >> 32)) & (ulong)(buckets - 1));
    }
}
