using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// <c>count(DISTINCT x)</c> over fixed-width values (a value table per group): against plain
/// per-group hash sets and multisets, with many groups and values (so tables grow), cleared and
/// reused groups, and checkpoints in both the current formats and the multiset format earlier
/// versions wrote.
/// </summary>
public sealed class DistinctCountAccumulatorTests
{
    [Fact]
    public void AppendOnlyCountsMatchPerGroupHashSets()
    {
        const int groups = 300;
        var tested = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false);
        Assert.IsType<DistinctCountAccumulator<long>>(tested);
        tested.EnsureCapacity(groups);
        var reference = Enumerable.Range(0, groups).Select(_ => new HashSet<long>()).ToArray();
        var random = new Random(7);
        for (var round = 0; round < 40; round++)
        {
            var rows = random.Next(1, 2000);
            var values = new long?[rows];
            var ids = new int[rows];
            for (var r = 0; r < rows; r++)
            {
                ids[r] = random.Next(-1, groups);
                values[r] = random.Next(12) == 0 ? null : random.Next(0, 3000) * 1_000_003L - 5;
                if (ids[r] >= 0 && values[r] is { } v) reference[ids[r]].Add(v);
            }
            tested.Update([Longs(values)], ids, []);
            if (round % 9 == 4)
            {
                // Windows and forgotten keys clear a group; its id is then reused, empty.
                for (var g = round; g < groups; g += 17)
                {
                    tested.Clear(g);
                    reference[g].Clear();
                }
            }
            for (var g = 0; g < groups; g++) Assert.Equal(reference[g].Count, Count(tested, g));
        }

        var restored = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false);
        restored.EnsureCapacity(groups);
        for (var g = 0; g < groups; g++) restored.Read(groups - 1 - g, Reader(Written(tested, g)));
        for (var g = 0; g < groups; g++) Assert.Equal(reference[g].Count, Count(restored, groups - 1 - g));
        // The restored values are the values, not just their number: adding them again adds nothing.
        var all = reference.SelectMany((set, g) => set.Select(v => (Group: groups - 1 - g, Value: v))).ToArray();
        restored.Update([Longs(all.Select(a => (long?)a.Value))], all.Select(a => a.Group).ToArray(), []);
        for (var g = 0; g < groups; g++) Assert.Equal(reference[g].Count, Count(restored, groups - 1 - g));
    }

    [Fact]
    public void RetractingCountsMatchPerGroupMultisets()
    {
        const int groups = 200;
        var tested = AggregateFactory.Create("count", [DataType.Int32], true, [], DataType.Int64, retracting: true);
        Assert.IsType<DistinctCountAccumulator<int>>(tested);
        tested.EnsureCapacity(groups);
        var held = Enumerable.Range(0, groups).Select(_ => new List<int>()).ToArray();
        var random = new Random(11);
        for (var round = 0; round < 60; round++)
        {
            var rows = random.Next(1, 1500);
            var values = new List<int?>();
            var ids = new List<int>();
            var retract = new List<bool>();
            for (var r = 0; r < rows; r++)
            {
                var g = random.Next(groups);
                // Retractions dominate every third round, so groups empty and tables shrink back.
                if (held[g].Count > 0 && random.Next(round % 3 == 0 ? 4 : 2) != 0)
                {
                    var index = random.Next(held[g].Count);
                    values.Add(held[g][index]);
                    held[g].RemoveAt(index);
                    retract.Add(true);
                }
                else
                {
                    var v = random.Next(0, 40);
                    values.Add(v);
                    held[g].Add(v);
                    retract.Add(false);
                }
                ids.Add(g);
            }
            // A retraction of a value the group does not hold is ignored.
            values.Add(-1);
            ids.Add(random.Next(groups));
            retract.Add(true);
            tested.Update([Ints(values)], ids.ToArray(), retract.ToArray());
            for (var g = 0; g < groups; g++) Assert.Equal(held[g].Distinct().Count(), Count(tested, g));
            if (round % 13 == 0)
            {
                // A checkpoint round trip keeps each value's multiplicity.
                for (var g = 0; g < groups; g++) tested.Read(g, Reader(Written(tested, g)));
            }
        }
    }

    [Fact]
    public void RestoresTheMultisetFormatOfEarlierVersions()
    {
        // Format 1 (per-group dictionaries): count, then (value, multiplicity) pairs.
        var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write((byte)1);
        writer.Write(3);
        foreach (var (value, copies) in new[] { (10L, 2), (-4L, 1), (7L, 3) })
        {
            writer.Write(value);
            writer.Write(copies);
        }
        var old = stream.ToArray();

        var appendOnly = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false);
        appendOnly.EnsureCapacity(1);
        appendOnly.Read(0, Reader(old));
        Assert.Equal(3, Count(appendOnly, 0));
        appendOnly.Update([Longs([10, 11])], [0, 0], []);
        Assert.Equal(4, Count(appendOnly, 0));

        var retracting = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: true);
        retracting.EnsureCapacity(1);
        retracting.Read(0, Reader(old));
        Assert.Equal(3, Count(retracting, 0));
        retracting.Update([Longs([10, -4])], [0, 0], [true, true]);
        Assert.Equal(2, Count(retracting, 0)); // 10 had two copies, -4 one
        retracting.Update([Longs([10])], [0], [true]);
        Assert.Equal(1, Count(retracting, 0));
    }

    [Fact]
    public void RefusesStateItCannotRestoreExactly()
    {
        var appendOnly = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false);
        appendOnly.EnsureCapacity(1);
        appendOnly.Update([Longs([1, 2])], [0, 0], []);
        var set = Written(appendOnly, 0);
        Assert.Equal(GroupValueSet<long>.SetFormatVersion, set[0]);

        // Without multiplicities, a retracting aggregate could not know when a value leaves.
        var retracting = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: true);
        retracting.EnsureCapacity(1);
        var error = Assert.Throws<InvalidDataException>(() => retracting.Read(0, Reader(set)));
        Assert.Contains("append-only", error.Message);

        set[0] = 9;
        error = Assert.Throws<InvalidDataException>(() => appendOnly.Read(0, Reader(set)));
        Assert.Contains("unknown count(DISTINCT) state format 9", error.Message);
    }

    internal static byte[] Written(GroupAccumulator accumulator, int group)
    {
        var stream = new MemoryStream();
        accumulator.Write(group, new BinaryWriter(stream));
        return stream.ToArray();
    }

    internal static BinaryReader Reader(byte[] bytes) => new(new MemoryStream(bytes));

    internal static Column Longs(IEnumerable<long?> values)
    {
        var builder = ColumnBuilder.Create(DataType.Int64);
        foreach (var v in values) builder.AppendObject(v);
        return builder.Build();
    }

    private static Column Ints(IEnumerable<int?> values)
    {
        var builder = ColumnBuilder.Create(DataType.Int32);
        foreach (var v in values) builder.AppendObject(v);
        return builder.Build();
    }

    internal static long Count(GroupAccumulator accumulator, int group)
    {
        var builder = (PrimitiveColumnBuilder<long>)ColumnBuilder.Create(DataType.Int64);
        accumulator.Evaluate(group, builder);
        return ((PrimitiveColumn<long>)builder.Build()).Values[0];
    }
}
