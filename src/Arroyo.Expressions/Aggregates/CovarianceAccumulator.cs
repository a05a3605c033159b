using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

public enum CovarianceKind
{
    CovarSamp,
    CovarPop,
    Corr,
    RegrSlope,
    RegrIntercept,
    RegrCount,
    RegrR2,
    RegrAvgX,
    RegrAvgY,
    RegrSxx,
    RegrSyy,
    RegrSxy,
}

/// <summary>
/// Two-argument statistics over (y, x) pairs where both are non-null, with the running means,
/// second moments and co-moment updated as DataFusion's covariance/regr accumulators; retraction
/// reverses the update.
/// </summary>
public sealed class CovarianceAccumulator : GroupAccumulator
{
    private readonly CovarianceKind _kind;
    private long[] _counts = [];
    private double[] _meanX = [];
    private double[] _meanY = [];
    private double[] _m2X = [];
    private double[] _m2Y = [];
    private double[] _coMoment = [];

    public CovarianceAccumulator(CovarianceKind kind)
    {
        _kind = kind;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var yColumn = args[0];
        var xColumn = args[1];
        var ys = NumericInput.Rent<double>(yColumn);
        var xs = NumericInput.Rent<double>(xColumn);
        try
        {
            for (var i = 0; i < groups.Length; i++)
            {
                var g = groups[i];
                if (g < 0 || yColumn.IsNull(i) || xColumn.IsNull(i)) continue;
                if (retract.IsEmpty || !retract[i]) Add(g, xs[i], ys[i]);
                else Remove(g, xs[i], ys[i]);
            }
        }
        finally
        {
            NumericInput.Return(ys);
            NumericInput.Return(xs);
        }
    }

    private void Add(int g, double x, double y)
    {
        var count = ++_counts[g];
        var deltaX = x - _meanX[g];
        var deltaY = y - _meanY[g];
        _meanX[g] += deltaX / count;
        _meanY[g] += deltaY / count;
        _m2X[g] += deltaX * (x - _meanX[g]);
        _m2Y[g] += deltaY * (y - _meanY[g]);
        _coMoment[g] += deltaX * (y - _meanY[g]);
    }

    private void Remove(int g, double x, double y)
    {
        var count = --_counts[g];
        if (count <= 0)
        {
            Clear(g);
            return;
        }
        var deltaX = x - _meanX[g];
        var deltaY = y - _meanY[g];
        _meanX[g] -= deltaX / count;
        _meanY[g] -= deltaY / count;
        _m2X[g] -= deltaX * (x - _meanX[g]);
        _m2Y[g] -= deltaY * (y - _meanY[g]);
        _coMoment[g] -= deltaX * (y - _meanY[g]);
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        var n = _counts[group];
        if (_kind == CovarianceKind.RegrCount)
        {
            ((PrimitiveColumnBuilder<ulong>)output).Append((ulong)Math.Max(0, n));
            return;
        }
        double? result = _kind switch
        {
            CovarianceKind.CovarSamp => n < 2 ? null : _coMoment[group] / (n - 1),
            CovarianceKind.CovarPop => n < 1 ? null : _coMoment[group] / n,
            CovarianceKind.Corr => n < 2 ? null : Corr(group),
            CovarianceKind.RegrSlope => n < 2 || _m2X[group] == 0 ? null : _coMoment[group] / _m2X[group],
            CovarianceKind.RegrIntercept => n < 2 || _m2X[group] == 0 ? null : _meanY[group] - _coMoment[group] / _m2X[group] * _meanX[group],
            CovarianceKind.RegrR2 => n < 2 || _m2X[group] == 0 ? null
                : _m2Y[group] == 0 ? 1.0 : _coMoment[group] * _coMoment[group] / (_m2X[group] * _m2Y[group]),
            CovarianceKind.RegrAvgX => n < 1 ? null : _meanX[group],
            CovarianceKind.RegrAvgY => n < 1 ? null : _meanY[group],
            CovarianceKind.RegrSxx => n < 1 ? null : _m2X[group],
            CovarianceKind.RegrSyy => n < 1 ? null : _m2Y[group],
            CovarianceKind.RegrSxy => n < 1 ? null : _coMoment[group],
            _ => null,
        };
        if (result is { } r) ((PrimitiveColumnBuilder<double>)output).Append(r);
        else output.AppendNull();
    }

    // As DataFusion: covar_pop / (stddev_pop(x) * stddev_pop(y)).
    private double? Corr(int g)
    {
        var n = _counts[g];
        var covar = _coMoment[g] / n;
        var sx = Math.Sqrt(_m2X[g] / n);
        var sy = Math.Sqrt(_m2Y[g] / n);
        var denominator = sx * sy;
        return denominator == 0 ? null : covar / denominator;
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _counts.Length) return;
        var size = Grow(_counts.Length, count);
        Array.Resize(ref _counts, size);
        Array.Resize(ref _meanX, size);
        Array.Resize(ref _meanY, size);
        Array.Resize(ref _m2X, size);
        Array.Resize(ref _m2Y, size);
        Array.Resize(ref _coMoment, size);
    }

    public override void Clear(int group)
    {
        _counts[group] = 0;
        _meanX[group] = _meanY[group] = _m2X[group] = _m2Y[group] = _coMoment[group] = 0;
    }

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_counts[group]);
        writer.Write(_meanX[group]);
        writer.Write(_meanY[group]);
        writer.Write(_m2X[group]);
        writer.Write(_m2Y[group]);
        writer.Write(_coMoment[group]);
    }

    public override void Read(int group, BinaryReader reader)
    {
        _counts[group] = reader.ReadInt64();
        _meanX[group] = reader.ReadDouble();
        _meanY[group] = reader.ReadDouble();
        _m2X[group] = reader.ReadDouble();
        _m2Y[group] = reader.ReadDouble();
        _coMoment[group] = reader.ReadDouble();
    }
}
