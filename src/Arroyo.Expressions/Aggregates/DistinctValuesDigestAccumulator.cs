using System.Numerics;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// <c>approx_median</c> / <c>approx_percentile_cont</c> in a GROUP BY without a window, over a
/// fixed-width numeric column: each group keeps its distinct values with their multiplicity
/// (so retractions work and memory grows with distinct values, not rows), and evaluation builds
/// one t-digest from the distinct values, as the reference does. The result does not depend on
/// how the input was split into batches.
/// </summary>
public sealed class DistinctValuesDigestAccumulator<T> : GroupAccumulator where T : unmanaged, IEquatable<T>, INumberBase<T>
{
    private readonly double _percentile;
    private readonly int _maxSize;
    private readonly DataType _resultType;
    private Dictionary<T, int>?[] _sets = [];

    public DistinctValuesDigestAccumulator(double percentile, int maxSize, DataType resultType)
    {
        _percentile = percentile;
        _maxSize = maxSize;
        _resultType = resultType;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract) =>
        Multiset.Update(_sets, args[0], groups, retract);

    public override void Evaluate(int group, ColumnBuilder output)
    {
        if (_sets[group] is not { Count: > 0 } set)
        {
            TDigestAccumulator.AppendResult(output, null, _percentile, _resultType);
            return;
        }
        var values = new double[set.Count];
        var k = 0;
        foreach (var value in set.Keys) values[k++] = double.CreateTruncating(value);
        TDigestAccumulator.AppendResult(output, new TDigest(_maxSize).MergeUnsorted(values), _percentile, _resultType);
    }

    public override void EnsureCapacity(int count)
    {
        if (count > _sets.Length) Array.Resize(ref _sets, Grow(_sets.Length, count));
    }

    public override void Clear(int group) => _sets[group] = null;

    public override void Write(int group, BinaryWriter writer) => Multiset.Write(writer, _sets[group]);

    public override void Read(int group, BinaryReader reader) => _sets[group] = Multiset.Read<T>(reader);
}
