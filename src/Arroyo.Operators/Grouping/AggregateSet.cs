using System.Buffers;
using System.Diagnostics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Operators.Grouping;

/// <summary>The accumulators of one GROUP BY's aggregate calls, sharing group ids.</summary>
internal sealed class AggregateSet
{
    private readonly AggregateCall[] _calls;
    private readonly GroupAccumulator[] _accumulators;
    private int _capacity;

    /// <param name="updatingAggregate">For a GROUP BY without a window (see <see cref="AggregateFactory.Create"/>).</param>
    public AggregateSet(IReadOnlyList<AggregateCall> calls, Schema input, AggregateRegistry registry, bool retracting, bool updatingAggregate = false)
    {
        _calls = calls.ToArray();
        _accumulators = _calls.Select(c =>
        {
            Debug.Assert(c.Args.Select(a => input[a].Type).SequenceEqual(c.Function.Arguments), "aggregate arguments have the types the call was bound for");
            return registry.CreateAccumulator(new AccumulatorRequest(c.Function, c.Distinct, c.Parameters, retracting, updatingAggregate)
            {
                Ordering = c.OrderBy.Select(o => new AggregateOrdering(input[o.Column].Type, o.Descending, o.EffectiveNullsFirst)).ToArray(),
            });
        }).ToArray();
    }

    public int Count => _calls.Length;

    /// <summary>Groups addressable without growing (<see cref="EnsureCapacity"/>).</summary>
    public int Capacity => _capacity;

    public IReadOnlyList<AggregateCall> Calls => _calls;

    public void EnsureCapacity(int groups)
    {
        if (groups <= _capacity) return;
        // As GroupAccumulator.Grow: by a quarter beyond a million groups.
        _capacity = Math.Max(groups, _capacity < (1 << 20) ? _capacity * 2 : _capacity + _capacity / 4);
        foreach (var a in _accumulators) a.EnsureCapacity(_capacity);
    }

    /// <summary>Adds the rows of <paramref name="batch"/> into <paramref name="groups"/> (−1 = skip the row).</summary>
    public void Update(Batch batch, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        AssertAddressable(groups);
        int[]? filtered = null;
        try
        {
            for (var i = 0; i < _calls.Length; i++)
            {
                var call = _calls[i];
                // Sort keys of an ORDER BY inside the call follow the arguments.
                var args = new Column[call.Args.Count + call.OrderBy.Count];
                for (var a = 0; a < call.Args.Count; a++) args[a] = batch.Columns[call.Args[a]];
                for (var o = 0; o < call.OrderBy.Count; o++) args[call.Args.Count + o] = batch.Columns[call.OrderBy[o].Column];
                var rowGroups = groups;
                if (call.FilterColumn is { } f)
                {
                    filtered ??= ArrayPool<int>.Shared.Rent(groups.Length);
                    var mask = (PrimitiveColumn<bool>)batch.Columns[f];
                    for (var r = 0; r < groups.Length; r++) filtered[r] = mask.IsValid(r) && mask.Values[r] ? groups[r] : -1;
                    rowGroups = filtered.AsSpan(0, groups.Length);
                }
                _accumulators[i].Update(args, rowGroups, retract);
            }
        }
        finally
        {
            if (filtered is not null) ArrayPool<int>.Shared.Return(filtered);
        }
    }

    /// <summary>Appends each aggregate's result for <paramref name="group"/> to builders[offset + i].</summary>
    public void Evaluate(int group, ColumnBuilder[] builders, int offset)
    {
        AssertAddressable(group);
        for (var i = 0; i < _accumulators.Length; i++) _accumulators[i].Evaluate(group, builders[offset + i]);
    }

    public void Clear(int group)
    {
        AssertAddressable(group);
        foreach (var a in _accumulators) a.Clear(group);
    }

    // GroupAccumulator's call order: EnsureCapacity before a group id is used.
    [Conditional("DEBUG")]
    private void AssertAddressable(int group) =>
        Debug.Assert(group >= 0 && group < _capacity, $"aggregate group {group} used before EnsureCapacity (capacity {_capacity})");

    [Conditional("DEBUG")]
    private void AssertAddressable(ReadOnlySpan<int> groups)
    {
        foreach (var g in groups) Debug.Assert(g < _capacity, $"aggregate group {g} used before EnsureCapacity (capacity {_capacity})");
    }

    /// <summary>Aggregate <paramref name="index"/>'s accumulator (for its columnar checkpoint state).</summary>
    public GroupAccumulator Accumulator(int index) => _accumulators[index];

    public byte[] Serialize(int group, int index)
    {
        AssertAddressable(group);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) _accumulators[index].Write(group, writer);
        return stream.ToArray();
    }

    /// <summary>Writes aggregate <paramref name="index"/>'s state for <paramref name="group"/> (what <see cref="Serialize"/> returns) to <paramref name="writer"/>.</summary>
    public void Write(int group, int index, BinaryWriter writer)
    {
        AssertAddressable(group);
        _accumulators[index].Write(group, writer);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public void Read(int group, int index, BinaryReader reader)
    {
        AssertAddressable(group);
        _accumulators[index].Read(group, reader);
    }

    public void Deserialize(int group, int index, ReadOnlySpan<byte> state)
    {
        AssertAddressable(group);
        using var reader = new BinaryReader(new MemoryStream(state.ToArray()));
        _accumulators[index].Read(group, reader);
    }
}
