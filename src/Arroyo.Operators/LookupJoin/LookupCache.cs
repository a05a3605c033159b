using Arroyo.Core;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Operators.LookupJoin;

/// <summary>
/// What a lookup join remembers of earlier lookups: per encoded key, the one-row batch the
/// lookup source returned (or that the key was absent, which is remembered too, as the
/// reference's cache keeps the null row). Bounded by an estimate of bytes (key plus row), least
/// recently used first out, and by a time to live in processing time (<c>lookup.cache.ttl</c>),
/// after which a key is fetched again. Single-threaded: one per subtask.
/// </summary>
internal sealed class LookupCache
{
    private readonly long _maxBytes;
    private readonly long _ttlTicks;
    private readonly Func<long> _now;
    private readonly Dictionary<byte[], LinkedListNode<Entry>> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], LinkedListNode<Entry>>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    // Most recently used first.
    private readonly LinkedList<Entry> _order = new();
    private long _bytes;

    /// <param name="ttl">Null: entries stay until evicted for space.</param>
    /// <param name="now">A monotonic clock in <see cref="TimeSpan"/> ticks (tests pass their own).</param>
    public LookupCache(ulong maxBytes, TimeSpan? ttl, Func<long>? now = null)
    {
        _maxBytes = (long)Math.Min(maxBytes, long.MaxValue);
        _ttlTicks = ttl is { } t && t > TimeSpan.Zero ? t.Ticks : long.MaxValue;
        _now = now ?? (() => Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    public long Bytes => _bytes;

    /// <summary>The cached answer for <paramref name="key"/>: a one-row batch, or null for a key known to be absent.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out Batch? row)
    {
        row = null;
        if (!_bySpan.TryGetValue(key, out var node)) return false;
        if (_ttlTicks != long.MaxValue && _now() - node.Value.AddedAt >= _ttlTicks)
        {
            Remove(node);
            return false;
        }
        _order.Remove(node);
        _order.AddFirst(node);
        row = node.Value.Row;
        return true;
    }

    /// <summary>Remembers <paramref name="row"/> (null: absent) for <paramref name="key"/>, evicting the least recently used to stay within bounds.</summary>
    public void Add(byte[] key, Batch? row)
    {
        if (_maxBytes == 0) return;
        var weight = key.Length + 64 + (row?.EstimatedBytes ?? 0);
        if (weight > _maxBytes) return;
        if (_entries.TryGetValue(key, out var existing)) Remove(existing);
        while (_bytes + weight > _maxBytes && _order.Last is { } last) Remove(last);
        var node = _order.AddFirst(new Entry(key, row, weight, _now()));
        _entries[key] = node;
        _bytes += weight;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Weight;
    }

    private sealed record Entry(byte[] Key, Batch? Row, long Weight, long AddedAt);
}
