using System.Buffers;
using System.Diagnostics;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// The accumulators of one GROUP BY's aggregate calls, sharing group ids. Over append-only input,
/// the <c>count(DISTINCT x)</c> calls over the same column x (each with its own filter or none)
/// share one value table per group (<see cref="SharedDistinctCount"/>): a row is probed once for
/// all of them, with the bits of the calls whose filters pass.
/// </summary>
internal sealed class AggregateSet
{
    private readonly AggregateCall[] _calls;
    private readonly GroupAccumulator[] _accumulators;
    private readonly DistinctFamily[] _families;
    private readonly bool[] _inFamily; // per call: updated and cleared through its family
    private int _capacity;

    /// <summary>
    /// Calls sharing one <see cref="SharedDistinctCount"/>: <c>Calls[k]</c> is its variant k;
    /// <paramref name="Unfiltered"/> has the bits of the calls without a filter, which count every row.
    /// </summary>
    private sealed record DistinctFamily(SharedDistinctCount Table, int Column, int[] Calls, byte Unfiltered);

    /// <param name="updatingAggregate">For a GROUP BY without a window (see <see cref="AggregateFactory.Create"/>).</param>
    public AggregateSet(IReadOnlyList<AggregateCall> calls, Schema input, AggregateRegistry registry, bool retracting, bool updatingAggregate = false)
    {
        _calls = calls.ToArray();
        _families = retracting ? [] : DistinctFamilies(_calls, input, registry);
        _inFamily = new bool[_calls.Length];
        _accumulators = new GroupAccumulator[_calls.Length];
        foreach (var family in _families)
        {
            for (var k = 0; k < family.Calls.Length; k++)
            {
                _inFamily[family.Calls[k]] = true;
                _accumulators[family.Calls[k]] = family.Table.Variant(k);
            }
        }
        for (var i = 0; i < _calls.Length; i++)
        {
            if (_inFamily[i]) continue;
            var c = _calls[i];
            Debug.Assert(c.Args.Select(a => input[a].Type).SequenceEqual(c.Function.Arguments), "aggregate arguments have the types the call was bound for");
            _accumulators[i] = registry.CreateAccumulator(new AccumulatorRequest(c.Function, c.Distinct, c.Parameters, retracting, updatingAggregate)
            {
                Ordering = c.OrderBy.Select(o => new AggregateOrdering(input[o.Column].Type, o.Descending, o.EffectiveNullsFirst)).ToArray(),
            });
        }
    }

    /// <summary>
    /// The built-in <c>count(DISTINCT x)</c> calls over the same fixed-width column, grouped in
    /// call order, at most <see cref="SharedDistinctCount.MaxVariants"/> a family; a column
    /// counted by one call alone keeps its own accumulator. The same calls always make the same
    /// families, so a checkpoint's shared state is read by the family that wrote it.
    /// </summary>
    private static DistinctFamily[] DistinctFamilies(AggregateCall[] calls, Schema input, AggregateRegistry registry)
    {
        var families = new List<DistinctFamily>();
        var byColumn = Enumerable.Range(0, calls.Length)
            .Where(i => calls[i] is { Distinct: true, Function.Name: "count", Args.Count: 1, OrderBy.Count: 0 }
                && registry.UserArguments("count") is null)
            .GroupBy(i => calls[i].Args[0]);
        foreach (var sameColumn in byColumn)
        {
            foreach (var chunk in sameColumn.Chunk(SharedDistinctCount.MaxVariants))
            {
                if (chunk.Length < 2 || SharedDistinctCount.For(input[sameColumn.Key].Type, chunk.Length) is not { } table) continue;
                byte unfiltered = 0;
                for (var k = 0; k < chunk.Length; k++)
                {
                    if (calls[chunk[k]].FilterColumn is null) unfiltered |= (byte)(1 << k);
                }
                families.Add(new DistinctFamily(table, sameColumn.Key, chunk, unfiltered));
            }
        }
        return families.ToArray();
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
        byte[]? variants = null;
        try
        {
            for (var i = 0; i < _calls.Length; i++)
            {
                if (_inFamily[i]) continue;
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
            foreach (var family in _families)
            {
                variants ??= ArrayPool<byte>.Shared.Rent(groups.Length);
                var rowVariants = variants.AsSpan(0, groups.Length);
                VariantsOfRows(family, batch, rowVariants);
                family.Table.Update(batch.Columns[family.Column], groups, rowVariants);
            }
        }
        finally
        {
            if (filtered is not null) ArrayPool<int>.Shared.Return(filtered);
            if (variants is not null) ArrayPool<byte>.Shared.Return(variants);
        }
    }

    /// <summary>Per row, the bits of the family's calls that count it: unfiltered calls always, filtered ones where their filter is true.</summary>
    private void VariantsOfRows(DistinctFamily family, Batch batch, Span<byte> variants)
    {
        variants.Fill(family.Unfiltered);
        for (var k = 0; k < family.Calls.Length; k++)
        {
            if (_calls[family.Calls[k]].FilterColumn is not { } f) continue;
            var bit = (byte)(1 << k);
            var mask = (PrimitiveColumn<bool>)batch.Columns[f];
            var values = mask.Values;
            if (mask.Validity is null)
            {
                for (var r = 0; r < variants.Length; r++)
                {
                    if (values[r]) variants[r] |= bit;
                }
            }
            else
            {
                for (var r = 0; r < variants.Length; r++)
                {
                    if (values[r] && mask.IsValid(r)) variants[r] |= bit;
                }
            }
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
        for (var i = 0; i < _accumulators.Length; i++)
        {
            if (!_inFamily[i]) _accumulators[i].Clear(group);
        }
        foreach (var family in _families) family.Table.Clear(group);
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
