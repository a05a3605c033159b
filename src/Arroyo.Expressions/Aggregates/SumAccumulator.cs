using System.Numerics;
using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// <c>sum</c> and <c>avg</c> in the accumulation type <typeparamref name="T"/> (long, ulong, double
/// or decimal, as DataFusion's sum type). Integer sums wrap as the reference's. Null when the
/// group has no non-null value.
/// </summary>
public sealed class SumAccumulator<T> : GroupAccumulator where T : unmanaged, INumber<T>
{
    private readonly bool _average;
    private readonly int _resultScale;
    private T[] _sums = [];
    private long[] _counts = [];

    public SumAccumulator(bool average, int resultScale = 0)
    {
        _average = average;
        _resultScale = resultScale;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = args[0];
        if (retract.IsEmpty && column is PrimitiveColumn<T> { Validity: null } same)
        {
            // Append-only input of the sum's own type without nulls: straight from the column.
            var (sums, counts, input) = (_sums, _counts, same.Values);
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0) continue;
                sums[g] = unchecked(sums[g] + input[i]);
                counts[g]++;
            }
            return;
        }
        var values = NumericInput.Rent<T>(column);
        try
        {
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || column.IsNull(i)) continue;
                if (!retract.IsEmpty && retract[i])
                {
                    _sums[g] = unchecked(_sums[g] - values[i]);
                    _counts[g]--;
                }
                else
                {
                    _sums[g] = unchecked(_sums[g] + values[i]);
                    _counts[g]++;
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
        if (_counts[group] <= 0)
        {
            output.AppendNull();
            return;
        }
        var sum = _sums[group];
        if (!_average)
        {
            ((PrimitiveColumnBuilder<T>)output).Append(sum);
        }
        else if (output is PrimitiveColumnBuilder<decimal> dec)
        {
            dec.Append(Math.Round(decimal.CreateTruncating(sum) / _counts[group], _resultScale, MidpointRounding.ToZero));
        }
        else
        {
            ((PrimitiveColumnBuilder<double>)output).Append(double.CreateTruncating(sum) / _counts[group]);
        }
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _sums.Length) return;
        var size = Grow(_sums.Length, count);
        Array.Resize(ref _sums, size);
        Array.Resize(ref _counts, size);
    }

    public override void Clear(int group)
    {
        _sums[group] = T.Zero;
        _counts[group] = 0;
    }

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_counts[group]);
        ValueCodec.WriteNumber(writer, _sums[group]);
    }

    public override void Read(int group, BinaryReader reader)
    {
        _counts[group] = reader.ReadInt64();
        _sums[group] = ValueCodec.ReadNumber<T>(reader);
    }
}
