using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

public enum VarianceKind
{
    VarSamp,
    VarPop,
    StddevSamp,
    StddevPop,
}

/// <summary>
/// var/stddev (sample and population) with Welford's update, in the same operation order as
/// DataFusion's VarianceAccumulator so results agree to the last bit; retraction reverses it.
/// </summary>
public sealed class VarianceAccumulator : GroupAccumulator
{
    private readonly VarianceKind _kind;
    private long[] _counts = [];
    private double[] _means = [];
    private double[] _m2s = [];

    public VarianceAccumulator(VarianceKind kind)
    {
        _kind = kind;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = args[0];
        var values = NumericInput.Rent<double>(column);
        try
        {
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || column.IsNull(i)) continue;
                var v = values[i];
                if (retract.IsEmpty || !retract[i])
                {
                    var count = ++_counts[g];
                    var delta1 = v - _means[g];
                    var mean = delta1 / count + _means[g];
                    var delta2 = v - mean;
                    _m2s[g] += delta1 * delta2;
                    _means[g] = mean;
                }
                else
                {
                    var count = --_counts[g];
                    if (count <= 0)
                    {
                        Clear(g);
                        continue;
                    }
                    var delta1 = _means[g] - v;
                    var mean = delta1 / count + _means[g];
                    var delta2 = mean - v;
                    _m2s[g] -= delta1 * delta2;
                    _means[g] = mean;
                }
            }
        }
        finally
        {
            NumericInput.Return(values);
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var count = _counts[group];
        var sample = _kind is VarianceKind.VarSamp or VarianceKind.StddevSamp;
        if (count == 0 || (sample && count == 1))
        {
            output.AppendNull();
            return;
        }
        var variance = _m2s[group] / (sample ? count - 1 : count);
        ((PrimitiveColumnBuilder<double>)output).Append(
            _kind is VarianceKind.StddevSamp or VarianceKind.StddevPop ? Math.Sqrt(variance) : variance);
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _counts.Length) return;
        var size = Grow(_counts.Length, count);
        Array.Resize(ref _counts, size);
        Array.Resize(ref _means, size);
        Array.Resize(ref _m2s, size);
    }

    public override void Clear(int group)
    {
        _counts[group] = 0;
        _means[group] = 0;
        _m2s[group] = 0;
    }

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_counts[group]);
        writer.Write(_means[group]);
        writer.Write(_m2s[group]);
    }

    public override void Read(int group, BinaryReader reader)
    {
        _counts[group] = reader.ReadInt64();
        _means[group] = reader.ReadDouble();
        _m2s[group] = reader.ReadDouble();
    }
}
