using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// Keeps every value of a group (in arrival order) and computes the result at evaluation:
/// holistic functions (median, array_agg, string_agg, approx_distinct,
/// first/last_value), DISTINCT variants of any function, and functions that cannot retract
/// incrementally (min/max/bit_and/bit_or and the t-digest functions over an updating input;
/// those build one <see cref="TDigest"/> from the remaining values at evaluation, as if they had
/// arrived in one batch). Retraction removes one equal
/// value. Two-argument functions store (a, b) tuples. With an ORDER BY inside the call
/// (<c>array_agg(x ORDER BY y)</c>) each value is stored with its sort keys and the values are
/// stably sorted by them at evaluation, so ties keep arrival order.
/// </summary>
public sealed class ValueBagAccumulator : GroupAccumulator
{
    private readonly string _function;
    private readonly IReadOnlyList<DataType> _argTypes;
    private readonly bool _distinct;
    private readonly IReadOnlyList<object?> _parameters;
    private readonly DataType _resultType;
    private readonly IReadOnlyList<AggregateOrdering> _ordering;
    private List<object?>?[] _bags = [];

    /// <summary>A value and the ORDER BY keys it sorts by.</summary>
    private sealed record Keyed(object? Value, object?[] Keys);

    public ValueBagAccumulator(string function, IReadOnlyList<DataType> argTypes, bool distinct, IReadOnlyList<object?> parameters, DataType resultType,
        IReadOnlyList<AggregateOrdering>? ordering = null)
    {
        _function = function;
        _argTypes = argTypes;
        _distinct = distinct;
        _parameters = parameters;
        _resultType = resultType;
        _ordering = ordering ?? [];
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0) continue;
            object? value = _argTypes.Count switch
            {
                0 => true,
                1 => args[0].GetValue(i),
                _ => (args[0].GetValue(i), args[1].GetValue(i)),
            };
            if (_ordering.Count > 0)
            {
                var keys = new object?[_ordering.Count];
                for (var k = 0; k < keys.Length; k++) keys[k] = args[_argTypes.Count + k].GetValue(i);
                value = new Keyed(value, keys);
            }
            var bag = _bags[g] ??= [];
            if (!retract.IsEmpty && retract[i])
            {
                var index = bag.FindIndex(v => ValueEquals(v, value));
                if (index >= 0) bag.RemoveAt(index);
            }
            else
            {
                bag.Add(value);
            }
        }
    }

    private static bool ValueEquals(object? a, object? b) => a switch
    {
        null => b is null,
        byte[] x => b is byte[] y && x.AsSpan().SequenceEqual(y),
        object?[] x => b is object?[] y && x.Length == y.Length && x.Zip(y).All(p => ValueEquals(p.First, p.Second)),
        Keyed x => b is Keyed y && ValueEquals(x.Value, y.Value) && ValueEquals(x.Keys, y.Keys),
        _ => a.Equals(b),
    };

    public override void Evaluate(int group, ColumnBuilder output)
    {
        IEnumerable<object?> values = _bags[group] ?? [];
        if (_ordering.Count > 0) values = Sorted(values);
        if (_distinct) values = DistinctValues(values);
        switch (_function)
        {
            case "median":
                AppendNumber(output, Median(values));
                return;
            case "approx_median":
                TDigestAccumulator.AppendResult(output, Digest(values, weighted: false, TDigest.DefaultMaxSize), 0.5, _resultType);
                return;
            case "approx_percentile_cont":
                TDigestAccumulator.AppendResult(output, Digest(values, weighted: false, TDigestAccumulator.MaxSizeParameter(_parameters)),
                    TDigestAccumulator.Percentile(_parameters), _resultType);
                return;
            case "approx_percentile_cont_with_weight":
                TDigestAccumulator.AppendResult(output, Digest(values, weighted: true, TDigest.DefaultMaxSize),
                    TDigestAccumulator.Percentile(_parameters), _resultType);
                return;
            case "approx_distinct":
                ((PrimitiveColumnBuilder<ulong>)output).Append((ulong)DistinctValues(values.Where(v => v is not null)).Count());
                return;
            case "array_agg":
                var list = values.ToList();
                if (list.Count == 0) output.AppendNull();
                else output.AppendObject(list.ToArray());
                return;
            case "string_agg":
                var texts = values.Where(v => v is not null).Select(v => (string)v!).ToList();
                if (texts.Count == 0) output.AppendNull();
                else output.AppendObject(string.Join(_parameters.Count > 0 ? _parameters[0]?.ToString() ?? "" : ",", texts));
                return;
            case "first_value":
            case "last_value":
                var all = values.ToList();
                output.AppendObject(all.Count == 0 ? null : _function == "first_value" ? all[0] : all[^1]);
                return;
            default:
                EvaluateStreaming(values.ToList(), output);
                return;
        }
    }

    // Feeds the values to a fresh streaming accumulator of the same function (min, max, count, …).
    private void EvaluateStreaming(List<object?> values, ColumnBuilder output)
    {
        var inner = AggregateFactory.CreateStreaming(_function, _argTypes, _resultType, _parameters)
            ?? throw new InvalidOperationException($"no accumulator for {_function} (this is a bug)");
        inner.EnsureCapacity(1);
        var args = new Column[_argTypes.Count];
        for (var a = 0; a < args.Length; a++)
        {
            var builder = ColumnBuilder.Create(_argTypes[a], values.Count);
            foreach (var v in values)
            {
                builder.AppendObject(args.Length == 1 ? v : a == 0 ? (((object?, object?))v!).Item1 : (((object?, object?))v!).Item2);
            }
            args[a] = builder.Build();
        }
        var groups = new int[values.Count];
        inner.Update(args, groups, default);
        inner.Evaluate(0, output);
    }

    // Stable (OrderBy keeps ties in arrival order), then the keys are dropped.
    private IEnumerable<object?> Sorted(IEnumerable<object?> values) =>
        values.Cast<Keyed>().OrderBy(k => k.Keys, Comparer<object?[]>.Create(CompareKeys)).Select(k => k.Value).ToList();

    private int CompareKeys(object?[] a, object?[] b)
    {
        for (var i = 0; i < _ordering.Count; i++)
        {
            var o = _ordering[i];
            int c;
            if (a[i] is null || b[i] is null)
            {
                if (a[i] is null && b[i] is null) continue;
                // Null placement does not flip with DESC.
                c = a[i] is null == o.NullsFirst ? -1 : 1;
                return c;
            }
            c = Kernels.ValueComparer.Instance.Compare(a[i], b[i]);
            if (c != 0) return o.Descending ? -c : c;
        }
        return 0;
    }

    private static IEnumerable<object?> DistinctValues(IEnumerable<object?> values)
    {
        var seen = new List<object?>();
        var set = new HashSet<object>();
        foreach (var v in values)
        {
            if (v is byte[] or object?[])
            {
                if (!seen.Any(s => ValueEquals(s, v))) seen.Add(v);
            }
            else if (v is null ? !seen.Contains(null) : set.Add(v))
            {
                seen.Add(v);
            }
        }
        return seen;
    }

    private double? Median(IEnumerable<object?> values)
    {
        var sorted = values.Where(v => v is not null).Select(Convert.ToDouble).ToList();
        if (sorted.Count == 0) return null;
        sorted.Sort();
        var n = sorted.Count;
        if (n % 2 == 1) return sorted[n / 2];
        var mid = (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return _argTypes[0].IsInteger ? Math.Truncate(mid) : mid;
    }

    // The digest DataFusion builds from these values arriving in one batch (see TDigestAccumulator).
    private static TDigest Digest(IEnumerable<object?> values, bool weighted, int maxSize)
    {
        if (!weighted)
        {
            return new TDigest(maxSize).MergeUnsorted(values.Where(v => v is not null)
                .Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }
        var digests = values.Select(v => ((object?, object?))v!)
            .Where(t => t.Item1 is not null && t.Item2 is not null)
            .Select(t => TDigest.WithCentroid(TDigest.DefaultMaxSize,
                Convert.ToDouble(t.Item1, System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToDouble(t.Item2, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        digests.Add(new TDigest(maxSize));
        return TDigest.MergeDigests(digests);
    }

    private void AppendNumber(ColumnBuilder output, double? value)
    {
        if (value is not { } v)
        {
            output.AppendNull();
            return;
        }
        object boxed = _resultType.Kind switch
        {
            TypeKind.Float64 => v,
            TypeKind.Float32 => (float)v,
            TypeKind.Decimal => (decimal)v,
            _ => (long)Math.Truncate(v),
        };
        output.AppendObject(boxed);
    }

    public override void EnsureCapacity(int count)
    {
        if (count > _bags.Length) Array.Resize(ref _bags, Grow(_bags.Length, count));
    }

    public override void Clear(int group) => _bags[group] = null;

    public override void Write(int group, BinaryWriter writer)
    {
        var bag = _bags[group];
        writer.Write(bag?.Count ?? 0);
        if (bag is null) return;
        foreach (var item in bag)
        {
            var v = item;
            if (item is Keyed keyed)
            {
                for (var k = 0; k < _ordering.Count; k++) ValueCodec.Write(writer, _ordering[k].Type, keyed.Keys[k]);
                v = keyed.Value;
            }
            switch (_argTypes.Count)
            {
                case 0: break;
                case 1: ValueCodec.Write(writer, _argTypes[0], v); break;
                default:
                    var (a, b) = ((object?, object?))v!;
                    ValueCodec.Write(writer, _argTypes[0], a);
                    ValueCodec.Write(writer, _argTypes[1], b);
                    break;
            }
        }
    }

    public override void Read(int group, BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var bag = new List<object?>(count);
        for (var i = 0; i < count; i++)
        {
            object?[]? keys = null;
            if (_ordering.Count > 0)
            {
                keys = new object?[_ordering.Count];
                for (var k = 0; k < keys.Length; k++) keys[k] = ValueCodec.Read(reader, _ordering[k].Type);
            }
            object? value = _argTypes.Count switch
            {
                0 => true,
                1 => ValueCodec.Read(reader, _argTypes[0]),
                _ => (ValueCodec.Read(reader, _argTypes[0]), ValueCodec.Read(reader, _argTypes[1])),
            };
            bag.Add(keys is null ? value : new Keyed(value, keys));
        }
        _bags[group] = count == 0 ? null : bag;
    }
}
