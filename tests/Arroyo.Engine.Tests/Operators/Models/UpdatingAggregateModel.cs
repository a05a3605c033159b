namespace Arroyo.Engine.Tests.Operators.Models;

/// <summary>
/// The updating aggregate, recomputed naively from boxed rows <c>[values…, _is_retract, _timestamp]</c>:
/// each key keeps its live rows, and at a flush every changed key's aggregates are evaluated
/// afresh from them; a key whose values changed retracts its previous row and emits the new one
/// (time: the latest row of the key), a key left without rows retracts and is forgotten. A tick
/// flushes once per flush interval and then forgets, without output, keys not updated for the
/// TTL of event time.
/// </summary>
internal sealed class UpdatingAggregateModel
{
    /// <summary>A key's live rows, and per column its values in arrival order (a retraction removes the first equal one), for order-dependent functions like array_agg.</summary>
    internal sealed class Group
    {
        public List<object?[]> Rows { get; init; } = [];

        public Dictionary<int, List<object?>> Bags { get; init; } = [];

        public long LastTime { get; set; } = long.MinValue;

        public object?[]? Emitted { get; set; }

        public long EmittedTime { get; set; }

        public bool Changed { get; set; }

        public Group Copy() => new()
        {
            Rows = [.. Rows], Bags = Bags.ToDictionary(b => b.Key, b => b.Value.ToList()),
            LastTime = LastTime, Emitted = Emitted, EmittedTime = EmittedTime, Changed = Changed,
        };
    }

    private readonly int _keys;
    private readonly Func<Group, object?>[] _aggregates;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _flushInterval;
    private readonly Dictionary<string, (object?[] Key, Group Group)> _groups = [];
    private long _watermark = long.MinValue;
    private long _lastFlush = long.MinValue;

    public UpdatingAggregateModel(int keys, Func<Group, object?>[] aggregates, TimeSpan ttl, TimeSpan flushInterval)
    {
        (_keys, _aggregates, _ttl, _flushInterval) = (keys, aggregates, ttl, flushInterval);
    }

    /// <summary>A copy without watermark or flush time, as an operator restored from a checkpoint.</summary>
    public UpdatingAggregateModel Restored()
    {
        var copy = new UpdatingAggregateModel(_keys, _aggregates, _ttl, _flushInterval);
        foreach (var (name, (key, group)) in _groups) copy._groups[name] = (key, group.Copy());
        return copy;
    }

    public string KeyOf(object?[] row) => CollectingOutput.Format(row[.._keys]);

    public void OnRows(IEnumerable<object?[]> rows)
    {
        foreach (var row in rows)
        {
            var name = KeyOf(row);
            var group = _groups.TryGetValue(name, out var entry) ? entry.Group : (_groups[name] = (row[.._keys], new Group())).Group;
            var values = row[..^2];
            if ((bool)row[^2]!)
            {
                group.Rows.RemoveAt(group.Rows.FindIndex(r => r[..^2].SequenceEqual(values)));
                for (var c = 0; c < values.Length; c++) group.Bags[c].RemoveAt(group.Bags[c].FindIndex(v => Equals(v, values[c])));
            }
            else
            {
                group.Rows.Add(row);
                for (var c = 0; c < values.Length; c++) (group.Bags.TryGetValue(c, out var bag) ? bag : group.Bags[c] = []).Add(values[c]);
            }
            group.LastTime = Math.Max(group.LastTime, (long)row[^1]!);
            group.Changed = true;
        }
    }

    public void OnWatermark(long time) => _watermark = Math.Max(_watermark, time);

    /// <summary>Flushes if the interval passed, then returns the keys forgotten for the TTL.</summary>
    public List<object?[]> OnTick(long now, out List<string> expired)
    {
        expired = [];
        if (_lastFlush != long.MinValue && now - _lastFlush < _flushInterval.Ticks * 100) return [];
        _lastFlush = now;
        var output = Flush();
        if (_watermark is long.MinValue or long.MaxValue || _ttl <= TimeSpan.Zero) return output;
        expired = _groups.Where(g => g.Value.Group.LastTime < _watermark - _ttl.Ticks * 100).Select(g => g.Key).ToList();
        foreach (var name in expired) _groups.Remove(name);
        return output;
    }

    public List<object?[]> Flush()
    {
        var output = new List<object?[]>();
        foreach (var (name, (key, group)) in _groups.Where(g => g.Value.Group.Changed).ToList())
        {
            group.Changed = false;
            var current = group.Rows.Count > 0 ? _aggregates.Select(a => a(group)).ToArray() : null;
            // Unchanged is object.Equals per value, as the operator compares: a list (array_agg)
            // never equals the one emitted before, so such a group re-emits whenever it changed.
            if (current is not null && group.Emitted is not null && current.Zip(group.Emitted).All(p => Equals(p.First, p.Second))) continue;
            if (group.Emitted is not null) output.Add([.. key, .. group.Emitted, true, group.EmittedTime]);
            if (current is null)
            {
                _groups.Remove(name);
                continue;
            }
            output.Add([.. key, .. current, false, group.LastTime]);
            (group.Emitted, group.EmittedTime) = (current, group.LastTime);
        }
        return output;
    }
}
