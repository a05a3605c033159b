using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;
using static Arroyo.Engine.Tests.Aggregates.DistinctCountAccumulatorTests;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// <c>count(DISTINCT x)</c> calls sharing one table per group (a bit per call on each value):
/// every variant's count against plain per-group hash sets, through batch updates with random
/// variant bits, single-variant updates, clears of the whole group and of one variant, and
/// checkpoints in the shared format and in the per-call formats earlier builds wrote.
/// </summary>
public sealed class SharedDistinctCountTests
{
    private const int Variants = 4;

    [Fact]
    public void EveryVariantCountsAsItsOwnHashSet()
    {
        const int groups = 150;
        var family = SharedDistinctCount.For(DataType.Int64, Variants)!;
        var variants = Enumerable.Range(0, Variants).Select(family.Variant).ToArray();
        variants[0].EnsureCapacity(groups);
        var reference = NewReference(groups);
        var random = new Random(5);
        for (var round = 0; round < 50; round++)
        {
            var rows = random.Next(1, 3000);
            var values = new long?[rows];
            var ids = new int[rows];
            var bits = new byte[rows];
            for (var r = 0; r < rows; r++)
            {
                ids[r] = random.Next(-1, groups);
                // Zero (the empty slot's value) and nulls included; a few hot groups grow big tables.
                values[r] = random.Next(15) == 0 ? null : random.Next(8) == 0 ? 0 : random.Next(0, 4000) * 7_919L - 11;
                if (random.Next(3) == 0) ids[r] = random.Next(3);
                bits[r] = (byte)random.Next(0, 1 << Variants);
                for (var k = 0; k < Variants; k++)
                {
                    if (ids[r] >= 0 && values[r] is { } v && (bits[r] & (1 << k)) != 0) reference[k][ids[r]].Add(v);
                }
            }
            if (round % 5 == 3)
            {
                // One variant alone, as a call outside a family would be updated.
                var k = round % Variants;
                variants[k].Update([Longs(values)], ids, []);
                for (var r = 0; r < rows; r++)
                {
                    if (ids[r] >= 0 && values[r] is { } v) reference[k][ids[r]].Add(v);
                }
            }
            family.Update(Longs(values), ids, bits);
            if (round % 7 == 6)
            {
                for (var g = round; g < groups; g += 13)
                {
                    family.Clear(g);
                    foreach (var sets in reference) sets[g].Clear();
                }
                // One variant emptied: the others keep their values.
                var alone = round % Variants;
                for (var g = 1; g < groups; g += 5)
                {
                    variants[alone].Clear(g);
                    reference[alone][g].Clear();
                }
            }
            AssertCounts(reference, variants, groups);
        }

        // A checkpoint: the first variant writes the group's values once with their bits, the others a marker.
        var blobs = Enumerable.Range(0, groups).Select(g => variants.Select(v => Written(v, g)).ToArray()).ToArray();
        Assert.All(blobs, row => Assert.Equal(SharedDistinctCount.SharedFormatVersion, row[0][0]));
        Assert.All(blobs, row => Assert.All(row[1..], b => Assert.Equal([SharedDistinctCount.HeldByFirstVariantVersion, Variants], b)));
        var restoredFamily = SharedDistinctCount.For(DataType.Int64, Variants)!;
        var restored = Enumerable.Range(0, Variants).Select(restoredFamily.Variant).ToArray();
        restored[0].EnsureCapacity(groups);
        // Groups in another order, and within a row the markers first: reading order does not matter.
        for (var g = 0; g < groups; g++)
        {
            for (var k = Variants - 1; k >= 0; k--) restored[k].Read(groups - 1 - g, Reader(blobs[g][k]));
        }
        var mirrored = reference.Select(sets => Enumerable.Range(0, groups).Select(g => sets[groups - 1 - g]).ToArray()).ToArray();
        AssertCounts(mirrored, restored, groups);
        // The values themselves came back: adding each again for its variants adds nothing.
        for (var k = 0; k < Variants; k++)
        {
            var all = mirrored[k].SelectMany((set, g) => set.Select(v => (Group: g, Value: v))).ToArray();
            restoredFamily.Update(Longs(all.Select(a => (long?)a.Value)), all.Select(a => a.Group).ToArray(), all.Select(_ => (byte)(1 << k)).ToArray());
        }
        AssertCounts(mirrored, restored, groups);
    }

    [Fact]
    public void RestoresTheTablesOfCallsThatDidNotShare()
    {
        // What builds before sharing wrote for the same calls: one table per call (format 2),
        // and the multiset format 1 of earlier builds still.
        var random = new Random(3);
        var reference = NewReference(1);
        var separate = Enumerable.Range(0, Variants - 1)
            .Select(_ => AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false)).ToArray();
        var blobs = new byte[Variants][];
        for (var k = 0; k < Variants - 1; k++)
        {
            separate[k].EnsureCapacity(1);
            var values = Enumerable.Range(0, 500).Select(_ => (long?)random.Next(0, 300)).ToArray();
            separate[k].Update([Longs(values)], new int[values.Length], []);
            foreach (var v in values) reference[k][0].Add(v!.Value);
            blobs[k] = Written(separate[k], 0);
            Assert.Equal(GroupValueSet<long>.SetFormatVersion, blobs[k][0]);
        }
        var multiset = new MemoryStream();
        var writer = new BinaryWriter(multiset);
        writer.Write((byte)1);
        writer.Write(2);
        foreach (var (value, copies) in new[] { (0L, 2), (77L, 1) })
        {
            writer.Write(value);
            writer.Write(copies);
            reference[Variants - 1][0].Add(value);
        }
        blobs[Variants - 1] = multiset.ToArray();

        var family = SharedDistinctCount.For(DataType.Int64, Variants)!;
        var variants = Enumerable.Range(0, Variants).Select(family.Variant).ToArray();
        variants[0].EnsureCapacity(1);
        // Whatever the group held before is replaced, variant by variant.
        family.Update(Longs([5, 6, 7]), [0, 0, 0], [0b1111, 0b1111, 0b1111]);
        for (var k = 0; k < Variants; k++) variants[k].Read(0, Reader(blobs[k]));
        AssertCounts(reference, variants, 1);
        family.Update(Longs([0, 77, 1_000]), [0, 0, 0], [0b1111, 0b1111, 0b1111]);
        foreach (var sets in reference) sets[0].UnionWith([0, 77, 1_000]);
        AssertCounts(reference, variants, 1);
    }

    [Fact]
    public void RefusesStateItCannotRestoreExactly()
    {
        var family = SharedDistinctCount.For(DataType.Int64, Variants)!;
        family.Variant(0).EnsureCapacity(1);
        family.Update(Longs([1, 2, 3]), [0, 0, 0], [0b0001, 0b0011, 0b1000]);
        var shared = Written(family.Variant(0), 0);

        // A call that keeps its own table cannot take a share of a family's state.
        var alone = AggregateFactory.Create("count", [DataType.Int64], true, [], DataType.Int64, retracting: false);
        alone.EnsureCapacity(1);
        var error = Assert.Throws<InvalidDataException>(() => alone.Read(0, Reader(shared)));
        Assert.Contains("sharing one table", error.Message);
        error = Assert.Throws<InvalidDataException>(() => alone.Read(0, Reader(Written(family.Variant(2), 0))));
        Assert.Contains("sharing one table", error.Message);

        // Another family size means other calls: their bits would be misread.
        var smaller = SharedDistinctCount.For(DataType.Int64, Variants - 1)!;
        smaller.Variant(0).EnsureCapacity(1);
        error = Assert.Throws<InvalidDataException>(() => smaller.Variant(0).Read(0, Reader(shared)));
        Assert.Contains($"written for {Variants} calls", error.Message);

        // Bits of no variant, or a value twice, are corruption.
        var badBits = (byte[])shared.Clone();
        badBits[^1] = 0;
        Assert.Throws<InvalidDataException>(() => family.Variant(0).Read(0, Reader(badBits)));
        var twice = (byte[])shared.Clone();
        Array.Copy(twice, 6, twice, 14, 8); // the second value := the first
        Assert.Throws<InvalidDataException>(() => family.Variant(0).Read(0, Reader(twice)));

        // The shared table is built for append-only input only.
        Assert.Throws<InvalidOperationException>(() => family.Variant(1).Update([Longs([1])], [0], [true]));
    }

    private static HashSet<long>[][] NewReference(int groups) =>
        Enumerable.Range(0, Variants).Select(_ => Enumerable.Range(0, groups).Select(_ => new HashSet<long>()).ToArray()).ToArray();

    private static void AssertCounts(HashSet<long>[][] reference, GroupAccumulator[] variants, int groups)
    {
        for (var k = 0; k < Variants; k++)
        {
            for (var g = 0; g < groups; g++) Assert.True(reference[k][g].Count == Count(variants[k], g), $"variant {k}, group {g}: expected {reference[k][g].Count}, got {Count(variants[k], g)}");
        }
    }
}
