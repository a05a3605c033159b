using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// The t-digest against DataFusion's own unit tests (tdigest.rs: error bounds, state round trip,
/// the centroid-addition regression) plus exact values cross-checked with an independent port of
/// the same Rust code, and the accumulators' flush/checkpoint behaviour.
/// </summary>
public sealed class TDigestTests
{
    private static void AssertWithin(TDigest t, double quantile, double want, double allowableError = 0.01)
    {
        var got = t.EstimateQuantile(quantile);
        var relative = Math.Abs(want - got) / want;
        Assert.True(relative < allowableError, $"quantile {quantile}: got {got}, want {want} (relative error {relative})");
    }

    private static void AssertRoundTrips(TDigest t)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) t.Write(writer);
        stream.Position = 0;
        var back = TDigest.Read(new BinaryReader(stream));
        Assert.Equal(t.MaxSize, back.MaxSize);
        Assert.Equal(t.Sum, back.Sum);
        Assert.Equal(t.Count, back.Count);
        Assert.Equal(t.Max, back.Max);
        Assert.Equal(t.Min, back.Min);
        Assert.Equal(t.Centroids, back.Centroids);
    }

    private static double[] Range(int from, int to) => Enumerable.Range(from, to - from + 1).Select(v => (double)v).ToArray();

    [Fact]
    public void Int64Uniform()
    {
        var t = new TDigest(100).MergeUnsorted(Range(1, 1000));
        AssertWithin(t, 0.1, 100);
        AssertWithin(t, 0.5, 500);
        AssertWithin(t, 0.9, 900);
        AssertRoundTrips(t);
        // Exact values (independent port of tdigest.rs).
        Assert.Equal(100.5, t.EstimateQuantile(0.1));
        Assert.Equal(500.25, t.EstimateQuantile(0.5));
        Assert.Equal(900.5, t.EstimateQuantile(0.9));
        Assert.Equal(99, t.Centroids.Count);
        Assert.Equal(500500.0, t.Sum);
    }

    [Fact]
    public void CentroidAdditionRegression()
    {
        var t = new TDigest(10);
        foreach (var v in new[] { 1.0, 1.0, 1.0, 2.0, 1.0, 1.0 }) t = t.MergeUnsorted([v]);
        Assert.Equal(1.0, t.EstimateQuantile(0.5));
        Assert.Equal(2.0, t.EstimateQuantile(0.95));
        AssertRoundTrips(t);
    }

    [Fact]
    public void UniformDistribution()
    {
        var t = new TDigest(100).MergeUnsorted(Range(1, 1_000_000));
        AssertWithin(t, 1.0, 1_000_000);
        AssertWithin(t, 0.99, 990_000);
        AssertWithin(t, 0.01, 10_000);
        AssertWithin(t, 0.0, 1);
        AssertWithin(t, 0.5, 500_000);
        AssertRoundTrips(t);
    }

    [Fact]
    public void SkewedDistribution()
    {
        var values = Range(1, 600_000).Concat(Enumerable.Repeat(1_000_000.0, 400_000)).ToArray();
        var t = new TDigest(100).MergeUnsorted(values);
        AssertWithin(t, 0.99, 1_000_000);
        AssertWithin(t, 0.01, 10_000);
        AssertWithin(t, 0.5, 500_000);
        AssertRoundTrips(t);
    }

    [Fact]
    public void MergeDigests()
    {
        var digests = Enumerable.Range(0, 100).Select(_ => new TDigest(100).MergeUnsorted(Range(1, 1000))).ToList();
        var t = TDigest.MergeDigests(digests);
        AssertWithin(t, 1.0, 1000);
        AssertWithin(t, 0.99, 990);
        AssertWithin(t, 0.01, 10, allowableError: 0.2);
        AssertWithin(t, 0.0, 1);
        AssertWithin(t, 0.5, 500);
        AssertRoundTrips(t);
        Assert.Equal(100_000UL, t.Count);
        Assert.Equal(10.756865991429684, t.EstimateQuantile(0.01));
        Assert.Equal(500.9901093190805, t.EstimateQuantile(0.5));
        Assert.Equal(990.5903881922908, t.EstimateQuantile(0.99));
        Assert.Equal(101, t.Centroids.Count);
    }

    [Fact]
    public void WeightedCentroidsCountOneEachAsInDataFusion()
    {
        // new_with_centroid counts 1 whatever the weight, so the rank q·count falls low.
        var digests = Enumerable.Range(1, 300).Select(v => TDigest.WithCentroid(100, v, v % 7 + 1)).ToList();
        digests.Add(new TDigest());
        var w = TDigest.MergeDigests(digests);
        Assert.Equal(300UL, w.Count);
        var final = TDigest.MergeDigests([w, new TDigest()]);
        Assert.Equal(38.7, final.EstimateQuantile(0.5));
        Assert.Equal(293.2142857142857, final.EstimateQuantile(0.9));
    }

    [Fact]
    public void EmptyDigestEstimatesZeroAndTotalOrderSortsNaNLast()
    {
        Assert.Equal(0.0, new TDigest().EstimateQuantile(0.5));
        // Bit-level order as f64::total_cmp: Rust's f64::NAN is positive (after +∞); .NET's double.NaN has the sign bit set.
        var positiveNaN = BitConverter.Int64BitsToDouble(0x7FF8000000000000);
        Assert.True(TDigest.TotalCompare(positiveNaN, double.PositiveInfinity) > 0);
        Assert.True(TDigest.TotalCompare(double.NaN, double.NegativeInfinity) < 0);
        Assert.True(TDigest.TotalCompare(-0.0, 0.0) < 0);
        Assert.True(TDigest.TotalCompare(-1.0, 1.0) < 0);
    }

    private static object? Evaluate(GroupAccumulator accumulator, DataType type, int group = 0)
    {
        var builder = ColumnBuilder.Create(type);
        accumulator.Evaluate(group, builder);
        return builder.Build().GetValue(0);
    }

    private static PrimitiveColumn<long> Longs(params long[] values) => new(DataType.Int64, values);

    [Fact]
    public void ApproxPercentileContInterpolatesAndCastsToTheInputType()
    {
        var f = AggregateFactory.Create("approx_percentile_cont", [DataType.Float64], false, [0.5], DataType.Float64, retracting: false);
        f.EnsureCapacity(1);
        f.Clear(0);
        f.Update([new PrimitiveColumn<double>(DataType.Float64, Range(1, 10))], new int[10], default);
        Assert.Equal(5.5, Evaluate(f, DataType.Float64));

        var i = AggregateFactory.Create("approx_percentile_cont", [DataType.Int64], false, [0.5], DataType.Int64, retracting: false);
        i.EnsureCapacity(1);
        i.Clear(0);
        i.Update([Longs(10, 9, 8, 7, 6, 5, 4, 3, 2, 1)], new int[10], default);
        Assert.Equal(5L, Evaluate(i, DataType.Int64));
        Assert.IsType<TDigestAccumulator>(i);
    }

    [Fact]
    public void ApproxMedianIgnoresNullsAndIsNullWhenEmpty()
    {
        var m = AggregateFactory.Create("approx_median", [DataType.Float64], false, [], DataType.Float64, retracting: false);
        m.EnsureCapacity(2);
        m.Clear(0);
        m.Clear(1);
        var builder = ColumnBuilder.Create(DataType.Float64);
        foreach (var v in new double?[] { 1, null, 3 }) builder.AppendObject(v);
        m.Update([builder.Build()], [0, 0, 0], default);
        Assert.Equal(2.0, Evaluate(m, DataType.Float64));
        Assert.Null(Evaluate(m, DataType.Float64, group: 1));
    }

    [Fact]
    public void WeightedPercentileMatchesTheDigest()
    {
        // (10, w5), (20, w1), (30, w1): count 3, rank 1.5 falls in the first centroid, clamped to its mean.
        var a = AggregateFactory.Create("approx_percentile_cont_with_weight", [DataType.Int64, DataType.Int64], false, [0.5], DataType.Int64, retracting: false);
        a.EnsureCapacity(1);
        a.Clear(0);
        a.Update([Longs(10, 20, 30), Longs(5, 1, 1)], [0, 0, 0], default);
        Assert.Equal(10L, Evaluate(a, DataType.Int64));
    }

    [Fact]
    public void FlushesFoldAndCheckpointRestoreContinuesIdentically()
    {
        static GroupAccumulator New()
        {
            var a = AggregateFactory.Create("approx_percentile_cont_with_weight", [DataType.Int64, DataType.Int64], false, [0.5], DataType.Int64, retracting: false);
            a.EnsureCapacity(1);
            a.Clear(0);
            return a;
        }
        var values = Enumerable.Range(0, 900).Select(i => (long)(100 + i * 37 % 101)).ToArray();
        var weights = Enumerable.Range(0, 900).Select(i => (long)(4 + i * 13 % 11)).ToArray();
        void Feed(GroupAccumulator a, int from, int to)
        {
            for (var s = from; s < to; s += 64)
            {
                var e = Math.Min(to, s + 64);
                a.Update([Longs(values[s..e]), Longs(weights[s..e])], new int[e - s], default);
            }
        }

        var straight = New();
        Feed(straight, 0, 450);
        var first = Evaluate(straight, DataType.Int64);
        Feed(straight, 450, 900);
        var last = Evaluate(straight, DataType.Int64);
        Assert.Equal(last, Evaluate(straight, DataType.Int64)); // evaluating again without new values changes nothing

        var before = New();
        Feed(before, 0, 450);
        Assert.Equal(first, Evaluate(before, DataType.Int64));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) before.Write(0, writer);
        stream.Position = 0;
        var restored = New();
        restored.Read(0, new BinaryReader(stream));
        Feed(restored, 450, 900);
        Assert.Equal(last, Evaluate(restored, DataType.Int64));
    }

    [Fact]
    public void UpdatingInputFallsBackToTheValueBagWithOneDigest()
    {
        var a = AggregateFactory.Create("approx_percentile_cont", [DataType.Int64], false, [0.5], DataType.Int64, retracting: true);
        Assert.IsType<ValueBagAccumulator>(a);
        a.EnsureCapacity(1);
        a.Clear(0);
        a.Update([Longs(1, 2, 3, 4, 100)], new int[5], [false, false, false, false, false]);
        a.Update([Longs(100)], [0], [true]);
        // {1, 2, 3, 4}: rank 2 lands on 3 with delta 1 → 2.5, truncated to BIGINT.
        Assert.Equal(2L, Evaluate(a, DataType.Int64));
    }
}
