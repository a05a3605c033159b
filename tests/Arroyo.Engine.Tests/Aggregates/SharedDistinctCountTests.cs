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

    /// <summary>
    /// Value pools: integers that fit a 64-bit word with the variant bits (56 bits) and ones
    /// that do not (kept in the wide tables), mixed in one group; floats, whose Equals is not
    /// bitwise (0.0 equals −0.0, NaN equals NaN), only in wide tables. Zero (the wide tables'
    /// empty slot) is in every pool.
    /// </summary>
    public static TheoryData<string> ValueKinds => ["small longs", "longs around 56 bits", "unsigned longs around 56 bits", "ints", "doubles"];

    private static (DataType Type, object[] Pool) Values(string kind, Random random) => kind switch
    {
        "small longs" => (DataType.Int64, Enumerable.Range(0, 4000).Select(i => (object)(i == 0 ? 0L : i * 7_919L - 11)).ToArray()),
        "longs around 56 bits" => (DataType.Int64, new long[]
            {
                0, -1, 1, (1L << 55) - 1, -(1L << 55), 1L << 55, -(1L << 55) - 1, long.MaxValue, long.MinValue,
            }.Concat(Enumerable.Range(0, 2000).Select(i => random.Next(2) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(-5000, 5000)))
            .Select(v => (object)v).ToArray()),
        "unsigned longs around 56 bits" => (DataType.UInt64, new ulong[] { 0, 1, (1UL << 56) - 1, 1UL << 56, ulong.MaxValue }
            .Concat(Enumerable.Range(0, 2000).Select(i => random.Next(2) == 0 ? (ulong)random.NextInt64() << 1 : (ulong)random.Next(0, 5000)))
            .Select(v => (object)v).ToArray()),
        "ints" => (DataType.Int32, new[] { 0, -1, int.MinValue, int.MaxValue }.Concat(Enumerable.Range(0, 3000).Select(_ => random.Next(-100_000, 100_000)))
            .Select(v => (object)v).ToArray()),
        "doubles" => (DataType.Float64, new[] { 0.0, -0.0, double.NaN, -double.NaN, double.MaxValue, double.Epsilon, 1.5 }
            .Concat(Enumerable.Range(0, 2000).Select(_ => random.Next(-3000, 3000) / 8.0)).Select(v => (object)v).ToArray()),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(ValueKinds))]
    public void EveryVariantCountsAsItsOwnHashSet(string kind)
    {
        const int groups = 150;
        var random = new Random(5);
        var (type, pool) = Values(kind, random);
        var family = SharedDistinctCount.For(type, Variants)!;
        var variants = Enumerable.Range(0, Variants).Select(family.Variant).ToArray();
        variants[0].EnsureCapacity(groups);
        var reference = NewReference(groups);
        for (var round = 0; round < 50; round++)
        {
            var rows = random.Next(1, 3000);
            var values = new object?[rows];
            var ids = new int[rows];
            var bits = new byte[rows];
            for (var r = 0; r < rows; r++)
            {
                ids[r] = random.Next(-1, groups);
                // Nulls included; a few hot groups grow big tables.
                values[r] = random.Next(15) == 0 ? null : pool[random.Next(pool.Length)];
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
                variants[k].Update([Column(type, values)], ids, []);
                for (var r = 0; r < rows; r++)
                {
                    if (ids[r] >= 0 && values[r] is { } v) reference[k][ids[r]].Add(v);
                }
            }
            family.Update(Column(type, values), ids, bits);
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
        var restoredFamily = SharedDistinctCount.For(type, Variants)!;
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
            restoredFamily.Update(Column(type, all.Select(a => (object?)a.Value)), all.Select(a => a.Group).ToArray(), all.Select(_ => (byte)(1 << k)).ToArray());
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
        foreach (var sets in reference) sets[0].UnionWith([0L, 77L, 1_000L]);
        AssertCounts(reference, variants, 1);
    }

    [Fact]
    public void RestoresSharedStateWrittenBeforeValuesWereKeptInWords()
    {
        // Format 3 as builds with one table of values per group wrote it (default(T) first, then
        // the table's order): the values, then their bits. Zero, a value beyond 56 bits and
        // negative ones, now spread over the word and the wide table.
        var written = new MemoryStream();
        var writer = new BinaryWriter(written);
        writer.Write(SharedDistinctCount.SharedFormatVersion);
        writer.Write((byte)Variants);
        long[] values = [0, 5, 1L << 60, -7, long.MinValue];
        byte[] bits = [0b0001, 0b0011, 0b1000, 0b1111, 0b0100];
        writer.Write(values.Length);
        foreach (var v in values) writer.Write(v);
        writer.Write(bits);
        var family = SharedDistinctCount.For(DataType.Int64, Variants)!;
        var variants = Enumerable.Range(0, Variants).Select(family.Variant).ToArray();
        variants[0].EnsureCapacity(1);
        variants[0].Read(0, Reader(written.ToArray()));
        Assert.Equal([3L, 2, 2, 2], variants.Select(v => Count(v, 0)));
        // Written again, the same values with the same bits (in another order) come back.
        var again = Written(variants[0], 0);
        Assert.Equal(written.Length, again.Length);
        var rewritten = Enumerable.Range(0, values.Length)
            .Select(i => (BitConverter.ToInt64(again, 6 + 8 * i), again[6 + 8 * values.Length + i])).Order().ToArray();
        Assert.Equal(values.Zip(bits).Order().ToArray(), rewritten);
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

    /// <summary>Per variant, per group, the values it counts (boxed values compare with their type's Equals, as the tables do).</summary>
    private static HashSet<object>[][] NewReference(int groups) =>
        Enumerable.Range(0, Variants).Select(_ => Enumerable.Range(0, groups).Select(_ => new HashSet<object>()).ToArray()).ToArray();

    private static Column Column(DataType type, IEnumerable<object?> values)
    {
        var builder = ColumnBuilder.Create(type);
        foreach (var v in values) builder.AppendObject(v);
        return builder.Build();
    }

    private static void AssertCounts(HashSet<object>[][] reference, GroupAccumulator[] variants, int groups)
    {
        for (var k = 0; k < Variants; k++)
        {
            for (var g = 0; g < groups; g++) Assert.True(reference[k][g].Count == Count(variants[k], g), $"variant {k}, group {g}: expected {reference[k][g].Count}, got {Count(variants[k], g)}");
        }
    }
}
