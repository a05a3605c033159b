namespace Arroyo.Expressions.Aggregates;

/// <summary>One cluster of a <see cref="TDigest"/>: the mean of the values it holds and their total weight.</summary>
public readonly record struct Centroid(double Mean, double Weight);

/// <summary>
/// The t-digest sketch as DataFusion implements it (<c>functions-aggregate-common/src/tdigest.rs</c>,
/// itself after Folly's TDigest), reproduced operation for operation so that
/// <c>approx_percentile_cont</c>, <c>approx_percentile_cont_with_weight</c> and
/// <c>approx_median</c> give DataFusion's exact floating-point results:
/// <list type="bullet">
/// <item>a digest is immutable; <see cref="MergeSorted"/> and <see cref="MergeDigests"/> return new ones;</item>
/// <item>the scale function is DataFusion's <c>k_to_q</c>, and the compression loops keep its quirks
/// (in <see cref="MergeDigests"/> the first limit is used twice; limits are computed from
/// <see cref="Count"/>, which counts values — a weighted centroid built by
/// <see cref="WithCentroid"/> counts 1, as in DataFusion before its 2026 fix);</item>
/// <item>centroids are ordered by mean with IEEE total order (<c>f64::total_cmp</c>), ties keeping
/// their merge order (Rust's stable sort and its left-first external merge).</item>
/// </list>
/// </summary>
public sealed class TDigest
{
    /// <summary>DataFusion's <c>DEFAULT_MAX_SIZE</c>.</summary>
    public const int DefaultMaxSize = 100;

    private readonly Centroid[] _centroids;

    private TDigest(int maxSize, Centroid[] centroids, double sum, ulong count, double max, double min)
    {
        MaxSize = maxSize;
        _centroids = centroids;
        Sum = sum;
        Count = count;
        Max = max;
        Min = min;
    }

    /// <summary>An empty digest (min/max NaN, as DataFusion's <c>TDigest::new</c>).</summary>
    public TDigest(int maxSize = DefaultMaxSize)
        : this(maxSize, [], 0, 0, double.NaN, double.NaN)
    {
    }

    public int MaxSize { get; }

    public double Sum { get; }

    /// <summary>Number of values merged (not the total weight: see the class remarks).</summary>
    public ulong Count { get; }

    public double Max { get; }

    public double Min { get; }

    public IReadOnlyList<Centroid> Centroids => _centroids;

    /// <summary>A digest of one centroid with count 1 (DataFusion's <c>new_with_centroid</c>).</summary>
    public static TDigest WithCentroid(int maxSize, double mean, double weight) =>
        new(maxSize, [new Centroid(mean, weight)], mean * weight, 1, mean, mean);

    private static double KToQ(ulong k, int d)
    {
        var kDivD = (double)k / d;
        if (kDivD >= 0.5)
        {
            var b = 1.0 - kDivD;
            return 1.0 - 2.0 * b * b;
        }
        return 2.0 * kDivD * kDivD;
    }

    /// <summary>IEEE 754 totalOrder, as Rust's <c>f64::total_cmp</c> (−NaN &lt; −∞ &lt; … &lt; −0 &lt; +0 &lt; … &lt; +∞ &lt; NaN).</summary>
    public static int TotalCompare(double a, double b)
    {
        var x = BitConverter.DoubleToInt64Bits(a);
        var y = BitConverter.DoubleToInt64Bits(b);
        x ^= (long)((ulong)(x >> 63) >> 1);
        y ^= (long)((ulong)(y >> 63) >> 1);
        return x.CompareTo(y);
    }

    // Rust's f64::min / f64::max: a NaN operand is ignored.
    private static double FMin(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : a < b ? a : b;

    private static double FMax(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : a > b ? a : b;

    /// <summary>Sorts <paramref name="values"/> by total order in place and merges them (<c>merge_unsorted_f64</c>).</summary>
    public TDigest MergeUnsorted(double[] values)
    {
        Array.Sort(values, TotalCompare);
        return MergeSorted(values);
    }

    /// <summary>Merges ascending <paramref name="sorted"/> values, each of weight 1 (<c>merge_sorted_f64</c>).</summary>
    public TDigest MergeSorted(ReadOnlySpan<double> sorted)
    {
        if (sorted.IsEmpty) return this;

        var count = Count + (ulong)sorted.Length;
        double min, max;
        if (Count > 0)
        {
            min = FMin(Min, sorted[0]);
            max = FMax(Max, sorted[^1]);
        }
        else
        {
            min = sorted[0];
            max = sorted[^1];
        }

        var compressed = new List<Centroid>(MaxSize);
        var sum = 0.0;
        ulong kLimit = 1;
        var qLimitTimesCount = KToQ(kLimit, MaxSize) * count;
        kLimit++;

        var ci = 0;
        var vi = 0;
        var centroids = _centroids;
        Centroid curr;
        if (ci < centroids.Length && centroids[ci].Mean < sorted[vi]) curr = centroids[ci++];
        else curr = new Centroid(sorted[vi++], 1.0);

        var weightSoFar = curr.Weight;
        var sumsToMerge = 0.0;
        var weightsToMerge = 0.0;

        while (ci < centroids.Length || vi < sorted.Length)
        {
            Centroid next;
            if (ci < centroids.Length && (vi >= sorted.Length || centroids[ci].Mean < sorted[vi])) next = centroids[ci++];
            else next = new Centroid(sorted[vi++], 1.0);

            var nextSum = next.Mean * next.Weight;
            weightSoFar += next.Weight;

            if (weightSoFar <= qLimitTimesCount)
            {
                sumsToMerge += nextSum;
                weightsToMerge += next.Weight;
            }
            else
            {
                sum += Add(ref curr, sumsToMerge, weightsToMerge);
                sumsToMerge = 0;
                weightsToMerge = 0;
                compressed.Add(curr);
                qLimitTimesCount = KToQ(kLimit, MaxSize) * count;
                kLimit++;
                curr = next;
            }
        }

        sum += Add(ref curr, sumsToMerge, weightsToMerge);
        compressed.Add(curr);
        return new TDigest(MaxSize, StableSort(compressed), sum, count, max, min);
    }

    // Centroid::add: folds (sum, weight) into the centroid and returns the new sum.
    private static double Add(ref Centroid c, double sum, double weight)
    {
        var newSum = sum + c.Weight * c.Mean;
        var newWeight = c.Weight + weight;
        c = new Centroid(newSum / newWeight, newWeight);
        return newSum;
    }

    // Rust's slice::sort (stable) by total order of the means; the input is nearly sorted.
    private static Centroid[] StableSort(List<Centroid> list)
    {
        var a = list.ToArray();
        for (var i = 1; i < a.Length; i++)
        {
            var x = a[i];
            var j = i - 1;
            while (j >= 0 && TotalCompare(a[j].Mean, x.Mean) > 0)
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
        return a;
    }

    /// <summary>Merges several digests into one (DataFusion's <c>TDigest::merge_digests</c>).</summary>
    public static TDigest MergeDigests(IReadOnlyList<TDigest> digests)
    {
        var n = 0;
        foreach (var d in digests) n += d._centroids.Length;
        if (n == 0) return new TDigest();

        var maxSize = digests[0].MaxSize;
        var centroids = new Centroid[n];
        var starts = new List<int>(digests.Count);
        ulong count = 0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var start = 0;
        foreach (var d in digests)
        {
            starts.Add(start);
            if (d.Count > 0)
            {
                min = FMin(min, d.Min);
                max = FMax(max, d.Max);
                count += d.Count;
                foreach (var c in d._centroids) centroids[start++] = c;
            }
        }
        var length = start;

        // Bottom-up merge of the sorted runs, left run first on ties (external_merge).
        var scratch = new Centroid[length];
        for (var perBlock = 1; perBlock < starts.Count; perBlock *= 2)
        {
            for (var i = 0; i < starts.Count; i += perBlock * 2)
            {
                if (i + perBlock >= starts.Count) continue;
                var first = starts[i];
                var middle = starts[i + perBlock];
                var last = i + 2 * perBlock < starts.Count ? starts[i + 2 * perBlock] : length;
                ExternalMerge(centroids, scratch, first, middle, last);
            }
        }

        var compressed = new List<Centroid>(maxSize);
        var sum = 0.0;
        ulong kLimit = 1;
        var qLimitTimesCount = KToQ(kLimit, maxSize) * count;

        var curr = centroids[0];
        var weightSoFar = curr.Weight;
        var sumsToMerge = 0.0;
        var weightsToMerge = 0.0;
        for (var i = 1; i < length; i++)
        {
            var c = centroids[i];
            weightSoFar += c.Weight;
            if (weightSoFar <= qLimitTimesCount)
            {
                sumsToMerge += c.Mean * c.Weight;
                weightsToMerge += c.Weight;
            }
            else
            {
                sum += Add(ref curr, sumsToMerge, weightsToMerge);
                sumsToMerge = 0;
                weightsToMerge = 0;
                compressed.Add(curr);
                qLimitTimesCount = KToQ(kLimit, maxSize) * count;
                kLimit++;
                curr = c;
            }
        }
        sum += Add(ref curr, sumsToMerge, weightsToMerge);
        compressed.Add(curr);

        return new TDigest(maxSize, StableSort(compressed), sum, count, max, min);
    }

    private static void ExternalMerge(Centroid[] centroids, Centroid[] scratch, int first, int middle, int last)
    {
        var i = first;
        var j = middle;
        var k = 0;
        while (i < middle && j < last)
        {
            scratch[k++] = TotalCompare(centroids[i].Mean, centroids[j].Mean) <= 0 ? centroids[i++] : centroids[j++];
        }
        while (i < middle) scratch[k++] = centroids[i++];
        while (j < last) scratch[k++] = centroids[j++];
        Array.Copy(scratch, 0, centroids, first, k);
    }

    /// <summary>The value at quantile <paramref name="q"/> (DataFusion's <c>estimate_quantile</c>); 0 when empty.</summary>
    public double EstimateQuantile(double q)
    {
        var cs = _centroids;
        if (cs.Length == 0) return 0.0;

        var rank = q * Count;
        int pos;
        double t;
        if (q > 0.5)
        {
            if (q >= 1.0) return Max;
            pos = 0;
            t = Count;
            for (var k = cs.Length - 1; k >= 0; k--)
            {
                t -= cs[k].Weight;
                if (rank >= t)
                {
                    pos = k;
                    break;
                }
            }
        }
        else
        {
            if (q <= 0.0) return Min;
            pos = cs.Length - 1;
            t = 0;
            for (var k = 0; k < cs.Length; k++)
            {
                if (rank < t + cs[k].Weight)
                {
                    pos = k;
                    break;
                }
                t += cs[k].Weight;
            }
        }

        var delta = 0.0;
        var min = Min;
        var max = Max;
        if (cs.Length > 1)
        {
            if (pos == 0)
            {
                delta = cs[pos + 1].Mean - cs[pos].Mean;
                max = cs[pos + 1].Mean;
            }
            else if (pos == cs.Length - 1)
            {
                delta = cs[pos].Mean - cs[pos - 1].Mean;
                min = cs[pos - 1].Mean;
            }
            else
            {
                delta = (cs[pos + 1].Mean - cs[pos - 1].Mean) / 2.0;
                min = cs[pos - 1].Mean;
                max = cs[pos + 1].Mean;
            }
        }

        var value = cs[pos].Mean + ((rank - t) / cs[pos].Weight - 0.5) * delta;

        if (double.IsPositiveInfinity(min) || (double.IsNaN(min) && !double.IsNegative(min))) min = double.NegativeInfinity;
        if (double.IsNegativeInfinity(max) || (double.IsNaN(max) && double.IsNegative(max))) max = double.PositiveInfinity;

        if (double.IsNaN(min) || double.IsNaN(max)) return value;
        // f64::clamp: NaN passes through.
        if (value < min) return min;
        if (value > max) return max;
        return value;
    }

    /// <summary>Writes the digest (max_size, sum, count, max, min, centroids) for a checkpoint.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(MaxSize);
        writer.Write(Sum);
        writer.Write(Count);
        writer.Write(Max);
        writer.Write(Min);
        writer.Write(_centroids.Length);
        foreach (var c in _centroids)
        {
            writer.Write(c.Mean);
            writer.Write(c.Weight);
        }
    }

    /// <summary>Reads a digest written by <see cref="Write"/>, unchanged.</summary>
    public static TDigest Read(BinaryReader reader)
    {
        var maxSize = reader.ReadInt32();
        var sum = reader.ReadDouble();
        var count = reader.ReadUInt64();
        var max = reader.ReadDouble();
        var min = reader.ReadDouble();
        var n = reader.ReadInt32();
        var centroids = new Centroid[n];
        for (var i = 0; i < n; i++) centroids[i] = new Centroid(reader.ReadDouble(), reader.ReadDouble());
        return new TDigest(maxSize, centroids, sum, count, max, min);
    }
}
