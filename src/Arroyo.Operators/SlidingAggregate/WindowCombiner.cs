using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;
using Arroyo.Operators.Grouping;

namespace Arroyo.Operators.SlidingAggregate;

/// <summary>
/// Combines the bin partials of one closing window per key, for <see cref="BinnedSlidingAggregator"/>
/// (and the fragments of closing sessions, each session a key, for the session window).
/// Call order per window: <see cref="Begin"/>, <see cref="Add"/> for each contributing bin
/// group, <see cref="Finish"/>, then <see cref="KeyAt"/>/<see cref="AppendResults"/> for
/// i in [0, count), then <see cref="End"/>. A key with one contributing bin (every key when
/// the data spans one slide) appends that bin's partial results as they are — the combining
/// aggregate of one partial is the partial — and only keys with several go through the
/// combining aggregates. Keys come out in the order of their earliest contributing bin group.
/// </summary>
internal sealed class WindowCombiner
{
    private readonly AggregateSet _partials;
    private readonly Schema _partialSchema;
    private readonly AggregateSet _finals;
    // Per key id, valid where _seen[key] == _stamp: its earliest bin group's order, and its
    // one contributing group (−1 once a second one is added).
    private int[] _seen = [];
    private long[] _keyOrder = [];
    private int[] _single = [];
    private int _stamp;
    private readonly List<int> _contributing = [];
    private readonly List<int> _contributingKeys = [];
    private int _keyCount;
    private int[] _keys = [];
    private long[] _orders = [];
    private int[] _finalGroups = [];

    public WindowCombiner(AggregateSet partials, IReadOnlyList<AggregateCall> calls, AggregateRegistry registry)
    {
        _partials = partials;
        _partialSchema = new Schema(calls.Select((c, i) => new Field($"p{i}", c.ResultType, true)).ToList());
        var finalCalls = calls.Select((c, i) => new AggregateCall(
            registry.Bind(c.Function.Name == "count" ? "sum" : c.Function.Name, [c.ResultType]),
            [i], false, null, c.OutputName)).ToArray();
        _finals = new AggregateSet(finalCalls, _partialSchema, registry, retracting: false);
    }

    public void Begin(int keyCapacity)
    {
        if (_seen.Length < keyCapacity)
        {
            var size = Math.Max(keyCapacity, _seen.Length * 2);
            Array.Resize(ref _seen, size);
            Array.Resize(ref _keyOrder, size);
            Array.Resize(ref _single, size);
        }
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_seen);
            _stamp = 1;
        }
        _contributing.Clear();
        _contributingKeys.Clear();
        _keyCount = 0;
    }

    public void Add(int group, int key, long order)
    {
        _contributing.Add(group);
        _contributingKeys.Add(key);
        if (_seen[key] != _stamp)
        {
            _seen[key] = _stamp;
            _keyOrder[key] = order;
            _single[key] = group;
            if (_keys.Length == _keyCount)
            {
                Array.Resize(ref _keys, Math.Max(16, _keyCount * 2));
                Array.Resize(ref _orders, _keys.Length);
            }
            _keys[_keyCount++] = key;
            return;
        }
        _single[key] = -1;
        if (order < _keyOrder[key]) _keyOrder[key] = order;
    }

    /// <summary>Combines the keys with several bins and orders the keys; returns how many keys the window has.</summary>
    public int Finish(int keyCapacity)
    {
        var several = 0;
        for (var i = 0; i < _contributing.Count; i++)
        {
            if (_single[_contributingKeys[i]] < 0) several++;
        }
        if (several > 0) Combine(several, keyCapacity);
        for (var i = 0; i < _keyCount; i++) _orders[i] = _keyOrder[_keys[i]];
        // Orders are distinct (each is one bin group's), so an unstable sort is deterministic.
        // Keys are usually added in order already (rows in time order fill bins in turn).
        if (!Ascending(_orders.AsSpan(0, _keyCount))) Array.Sort(_orders, _keys, 0, _keyCount);
        return _keyCount;
    }

    private static bool Ascending(ReadOnlySpan<long> values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] < values[i - 1]) return false;
        }
        return true;
    }

    private void Combine(int rows, int keyCapacity)
    {
        // The partial results of every bin group of those keys as a batch, one row each.
        var builders = _partialSchema.Fields.Select(f => ColumnBuilder.Create(f.Type, rows)).ToArray();
        if (_finalGroups.Length < rows) _finalGroups = new int[Math.Max(rows, _finalGroups.Length * 2)];
        _finals.EnsureCapacity(keyCapacity);
        var row = 0;
        for (var i = 0; i < _contributing.Count; i++)
        {
            var key = _contributingKeys[i];
            if (_single[key] >= 0) continue;
            _partials.Evaluate(_contributing[i], builders, 0);
            _finalGroups[row++] = key;
        }
        for (var i = 0; i < _keyCount; i++)
        {
            if (_single[_keys[i]] < 0) _finals.Clear(_keys[i]);
        }
        var batch = new Batch(_partialSchema, builders.Select(b => b.Build()).ToArray(), rows);
        _finals.Update(batch, _finalGroups.AsSpan(0, rows), default);
    }

    public int KeyAt(int index) => _keys[index];

    /// <summary>Appends the results of the window's <paramref name="index"/>-th key to builders[offset…].</summary>
    public void AppendResults(int index, ColumnBuilder[] builders, int offset)
    {
        var key = _keys[index];
        var single = _single[key];
        if (single >= 0) _partials.Evaluate(single, builders, offset);
        else _finals.Evaluate(key, builders, offset);
    }

    /// <summary>Drops the window's combining state (what accumulators hold, e.g. strings, is not kept alive).</summary>
    public void End()
    {
        for (var i = 0; i < _keyCount; i++)
        {
            if (_single[_keys[i]] < 0) _finals.Clear(_keys[i]);
        }
        _contributing.Clear();
        _contributingKeys.Clear();
        _keyCount = 0;
    }
}
