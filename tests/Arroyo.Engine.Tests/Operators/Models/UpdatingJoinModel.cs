namespace Arroyo.Engine.Tests.Operators.Models;

/// <summary>
/// The updating inner join, recomputed naively from boxed rows: each side keeps its live rows
/// per key (insertion order); a row joins every stored row of the other side with the same
/// non-NULL key (retract flag of the arriving row, time the later of the two), then is stored
/// or, if a retraction, removes the first stored row equal in its value columns. Rows older
/// than the watermark minus the TTL are dropped at a tick. Rows are
/// <c>[values…, _is_retract, _timestamp]</c>; the key is column <see cref="_key"/> of both sides.
/// </summary>
internal sealed class UpdatingJoinModel
{
    private readonly int _key;
    private readonly long _ttlNanos;
    private readonly Dictionary<long, List<object?[]>>[] _stored;
    private long _watermark = long.MinValue;

    public UpdatingJoinModel(int key, TimeSpan ttl)
    {
        _key = key;
        _ttlNanos = ttl.Ticks * 100;
        _stored = [[], []];
    }

    private UpdatingJoinModel(UpdatingJoinModel other)
    {
        _key = other._key;
        _ttlNanos = other._ttlNanos;
        _stored = other._stored.Select(side => side.ToDictionary(e => e.Key, e => e.Value.ToList())).ToArray();
    }

    /// <summary>A copy whose watermark is unknown, as an operator restored from a checkpoint.</summary>
    public UpdatingJoinModel Restored() => new(this);

    public List<object?[]> OnRows(int side, IEnumerable<object?[]> rows)
    {
        var output = new List<object?[]>();
        foreach (var row in rows)
        {
            if (row[_key] is not long key) continue;
            var retract = (bool)row[^2]!;
            foreach (var other in _stored[1 - side].GetValueOrDefault(key) ?? [])
            {
                var (left, right) = side == 0 ? (row, other) : (other, row);
                output.Add([.. left[..^2], .. right[..^2], retract, Math.Max((long)left[^1]!, (long)right[^1]!)]);
            }
            var own = _stored[side].TryGetValue(key, out var list) ? list : _stored[side][key] = [];
            if (!retract) own.Add(row);
            else if (own.FindIndex(s => s[..^2].SequenceEqual(row[..^2])) is >= 0 and var index) own.RemoveAt(index);
        }
        return output;
    }

    public void OnWatermark(long time) => _watermark = Math.Max(_watermark, time);

    public void OnTick()
    {
        if (_watermark is long.MinValue or long.MaxValue) return;
        var cutoff = _watermark - _ttlNanos;
        foreach (var side in _stored)
        {
            foreach (var rows in side.Values) rows.RemoveAll(r => (long)r[^1]! < cutoff);
        }
    }
}
