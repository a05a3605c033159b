using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// <c>approx_percentile_cont</c>, <c>approx_median</c> and <c>approx_percentile_cont_with_weight</c>
/// over a <see cref="TDigest"/> per group, following DataFusion's accumulators and the way the
/// reference engine drives them in a streaming aggregate:
/// <list type="bullet">
/// <item><b>Update</b> (DataFusion's <c>update_batch</c>, once per batch per group with that group's
/// rows in row order): unweighted — drop nulls, sort, <see cref="TDigest.MergeSorted"/> into the
/// group's digest; weighted — one single-centroid digest (value, weight, count 1) per row, then
/// <c>merge_digests([rows…, digest])</c>.</item>
/// <item><b>Evaluate</b> is a flush: the digest built since the previous flush (the reference's
/// partial state) is combined with the state of earlier flushes as the reference's combine step does
/// (<c>merge_digests([new, prior, empty])</c>, or just the new digest the first time), and the result
/// is the final step's <c>merge_digests([combined, empty]).estimate_quantile(p)</c>, cast to the
/// input type (integers truncate toward zero and saturate, as Rust's <c>as</c>).</item>
/// </list>
/// Not retractable (neither is DataFusion's): over an updating input the factory uses
/// <see cref="ValueBagAccumulator"/>, which keeps the values and builds one digest at evaluation.
/// </summary>
public sealed class TDigestAccumulator : GroupAccumulator
{
    private readonly bool _weighted;
    private readonly double _percentile;
    private readonly int _maxSize;
    private readonly DataType _resultType;
    // Digest of the values since the last Evaluate (null: none arrived).
    private TDigest?[] _current = [];
    // Combined digest as of the last Evaluate (null: never evaluated with values).
    private TDigest?[] _prior = [];

    public TDigestAccumulator(bool weighted, double percentile, DataType resultType, int maxSize = TDigest.DefaultMaxSize)
    {
        _weighted = weighted;
        _percentile = percentile;
        _resultType = resultType;
        _maxSize = maxSize;
    }

    /// <summary>The accumulator for <paramref name="function"/> (canonical name) and its constant parameters.</summary>
    public static TDigestAccumulator For(string function, IReadOnlyList<object?> parameters, DataType resultType) => function switch
    {
        "approx_median" => new TDigestAccumulator(false, 0.5, resultType),
        "approx_percentile_cont" => new TDigestAccumulator(false, Percentile(parameters), resultType, MaxSizeParameter(parameters)),
        "approx_percentile_cont_with_weight" => new TDigestAccumulator(true, Percentile(parameters), resultType),
        _ => throw new InvalidOperationException($"{function} is not a t-digest aggregate (this is a bug)"),
    };

    internal static double Percentile(IReadOnlyList<object?> parameters) =>
        parameters.Count > 0 && parameters[0] is not null ? Convert.ToDouble(parameters[0], System.Globalization.CultureInfo.InvariantCulture) : 0.5;

    // approx_percentile_cont(p, centroids): the optional t-digest size.
    internal static int MaxSizeParameter(IReadOnlyList<object?> parameters) =>
        parameters.Count > 1 && parameters[1] is not null && Convert.ToInt64(parameters[1], System.Globalization.CultureInfo.InvariantCulture) is > 0 and var n
            ? (int)Math.Min(n, int.MaxValue)
            : TDigest.DefaultMaxSize;

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        if (!retract.IsEmpty && retract.Contains(true))
        {
            throw new InvalidOperationException("t-digest aggregates cannot retract (this is a bug: the factory should have chosen the value bag)");
        }
        // Rows of each group in this batch, in row order (DataFusion's per-group update_batch).
        var rowsByGroup = new Dictionary<int, List<int>>();
        var order = new List<int>();
        for (var r = 0; r < groups.Length; r++)
        {
            var g = groups[r];
            if (g < 0) continue;
            if (!rowsByGroup.TryGetValue(g, out var rows))
            {
                rowsByGroup[g] = rows = [];
                order.Add(g);
            }
            rows.Add(r);
        }
        var values = args[0];
        var weights = _weighted ? args[1] : null;
        foreach (var g in order)
        {
            var rows = rowsByGroup[g];
            var digest = _current[g] ?? new TDigest(_maxSize);
            if (weights is null)
            {
                var buffer = new List<double>(rows.Count);
                foreach (var r in rows)
                {
                    if (values.IsValid(r)) buffer.Add(AsDouble(values, r));
                }
                var sorted = buffer.ToArray();
                _current[g] = digest.MergeUnsorted(sorted);
            }
            else
            {
                var digests = new List<TDigest>(rows.Count + 1);
                foreach (var r in rows)
                {
                    // DataFusion (51) reads null slots as stored values; we skip rows with a null value or weight.
                    if (!values.IsValid(r) || !weights.IsValid(r)) continue;
                    digests.Add(TDigest.WithCentroid(TDigest.DefaultMaxSize, AsDouble(values, r), AsDouble(weights, r)));
                }
                digests.Add(digest);
                _current[g] = TDigest.MergeDigests(digests);
            }
        }
    }

    internal static double AsDouble(Column column, int row) => column switch
    {
        PrimitiveColumn<double> c => c.Values[row],
        PrimitiveColumn<long> c => c.Values[row],
        PrimitiveColumn<int> c => c.Values[row],
        PrimitiveColumn<short> c => c.Values[row],
        PrimitiveColumn<sbyte> c => c.Values[row],
        PrimitiveColumn<ulong> c => c.Values[row],
        PrimitiveColumn<uint> c => c.Values[row],
        PrimitiveColumn<ushort> c => c.Values[row],
        PrimitiveColumn<byte> c => c.Values[row],
        PrimitiveColumn<float> c => c.Values[row],
        PrimitiveColumn<decimal> c => (double)c.Values[row],
        _ => Convert.ToDouble(column.GetValue(row), System.Globalization.CultureInfo.InvariantCulture),
    };

    public override void Evaluate(int group, ColumnBuilder output)
    {
        if (_current[group] is { } current)
        {
            _prior[group] = _prior[group] is { } prior
                ? TDigest.MergeDigests([current, prior, new TDigest(_maxSize)])
                : current;
            _current[group] = null;
        }
        AppendResult(output, _prior[group], _percentile, _resultType);
    }

    /// <summary>Appends the final step's estimate over <paramref name="state"/> (null when it holds no values).</summary>
    internal static void AppendResult(ColumnBuilder output, TDigest? state, double percentile, DataType resultType)
    {
        if (state is null || state.Count == 0)
        {
            output.AppendNull();
            return;
        }
        var final = TDigest.MergeDigests([state, new TDigest(state.MaxSize)]);
        AppendCast(output, final.EstimateQuantile(percentile), resultType);
    }

    // ApproxPercentileAccumulator::evaluate: `q as <type>` (saturating, NaN → 0 for integers).
    internal static void AppendCast(ColumnBuilder output, double q, DataType resultType)
    {
        object boxed = resultType.Kind switch
        {
            TypeKind.Float64 => q,
            TypeKind.Float32 => (float)q,
            TypeKind.Int8 => (sbyte)Saturate(q, sbyte.MinValue, sbyte.MaxValue),
            TypeKind.Int16 => (short)Saturate(q, short.MinValue, short.MaxValue),
            TypeKind.Int32 => (int)Saturate(q, int.MinValue, int.MaxValue),
            TypeKind.Int64 => double.IsNaN(q) ? 0L : q >= 9223372036854775807.0 ? long.MaxValue : q <= -9223372036854775808.0 ? long.MinValue : (long)q,
            TypeKind.UInt8 => (byte)Saturate(q, byte.MinValue, byte.MaxValue),
            TypeKind.UInt16 => (ushort)Saturate(q, ushort.MinValue, ushort.MaxValue),
            TypeKind.UInt32 => (uint)Saturate(q, uint.MinValue, uint.MaxValue),
            TypeKind.UInt64 => double.IsNaN(q) || q <= 0 ? 0UL : q >= 18446744073709551615.0 ? ulong.MaxValue : (ulong)q,
            TypeKind.Decimal when double.IsFinite(q) && Math.Abs(q) < 7.9e28 => (decimal)q,
            TypeKind.Decimal => null!,
            _ => q,
        };
        if (boxed is null) output.AppendNull();
        else output.AppendObject(boxed);
    }

    private static double Saturate(double q, double min, double max) =>
        double.IsNaN(q) ? 0 : Math.Truncate(Math.Clamp(q, min, max));

    public override void EnsureCapacity(int count)
    {
        if (count <= _current.Length) return;
        var size = Grow(_current.Length, count);
        Array.Resize(ref _current, size);
        Array.Resize(ref _prior, size);
    }

    public override void Clear(int group)
    {
        _current[group] = null;
        _prior[group] = null;
    }

    // Layout: flags (bit 0: current, bit 1: prior), then each present digest.
    public override void Write(int group, BinaryWriter writer)
    {
        var current = _current[group];
        var prior = _prior[group];
        writer.Write((byte)((current is null ? 0 : 1) | (prior is null ? 0 : 2)));
        current?.Write(writer);
        prior?.Write(writer);
    }

    public override void Read(int group, BinaryReader reader)
    {
        var flags = reader.ReadByte();
        _current[group] = (flags & 1) != 0 ? TDigest.Read(reader) : null;
        _prior[group] = (flags & 2) != 0 ? TDigest.Read(reader) : null;
    }
}
