using System.Numerics;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Aggregates;

/// <summary>Builds the accumulator for one aggregate call.</summary>
public static class AggregateFactory
{
    /// <summary>
    /// The built-in accumulator for <paramref name="function"/> (canonical name, see
    /// <see cref="AggregateRegistry.CanonicalName"/>) over columns of
    /// <paramref name="argTypes"/>. <paramref name="retracting"/>: the input is updating, so the
    /// accumulator must support removing values. <paramref name="updatingAggregate"/>: it is for a
    /// GROUP BY without a window, where the reference keeps the distinct input values of the
    /// t-digest functions (which cannot retract) and evaluates them as one batch at each flush;
    /// the result then depends only on those values, not on how input was split into batches
    /// (which moves with checkpoints and restores).
    /// </summary>
    public static GroupAccumulator Create(
        string function, IReadOnlyList<DataType> argTypes, bool distinct, IReadOnlyList<object?> parameters,
        DataType resultType, bool retracting, bool updatingAggregate = false)
    {
        if (updatingAggregate && function is "approx_median" or "approx_percentile_cont" or "approx_percentile_cont_with_weight")
        {
            return DistinctValuesDigest(function, argTypes, parameters, resultType)
                ?? new ValueBagAccumulator(function, argTypes, distinct: true, parameters, resultType);
        }
        if (distinct && argTypes.Count == 1 && Distinct(function, argTypes[0], resultType, retracting) is { } multiset) return multiset;
        if (!distinct)
        {
            var streaming = CreateStreaming(function, argTypes, resultType, parameters);
            // t-digests cannot remove values (nor can DataFusion's): over an updating input the value
            // bag keeps the values and builds one digest at evaluation.
            var canRetract = function is not ("min" or "max" or "bit_and" or "bit_or"
                or "approx_median" or "approx_percentile_cont" or "approx_percentile_cont_with_weight");
            if (streaming is not null && (!retracting || canRetract)) return streaming;
            if (retracting && function is "min" or "max" && RetractingMinMax(argTypes[0], function == "max") is { } minMax) return minMax;
        }
        return new ValueBagAccumulator(function, argTypes, distinct, parameters, resultType);
    }

    /// <summary>The distinct-value t-digest of an updating aggregate over one fixed-width numeric column, or null (then the value bag serves).</summary>
    private static GroupAccumulator? DistinctValuesDigest(string function, IReadOnlyList<DataType> argTypes, IReadOnlyList<object?> parameters, DataType resultType)
    {
        if (function == "approx_percentile_cont_with_weight" || argTypes.Count != 1) return null;
        var percentile = function == "approx_median" ? 0.5 : TDigestAccumulator.Percentile(parameters);
        var maxSize = function == "approx_median" ? TDigest.DefaultMaxSize : TDigestAccumulator.MaxSizeParameter(parameters);
        return argTypes[0].Kind switch
        {
            TypeKind.Int64 => new DistinctValuesDigestAccumulator<long>(percentile, maxSize, resultType),
            TypeKind.Int32 => new DistinctValuesDigestAccumulator<int>(percentile, maxSize, resultType),
            TypeKind.UInt64 => new DistinctValuesDigestAccumulator<ulong>(percentile, maxSize, resultType),
            TypeKind.UInt32 => new DistinctValuesDigestAccumulator<uint>(percentile, maxSize, resultType),
            TypeKind.Float64 => new DistinctValuesDigestAccumulator<double>(percentile, maxSize, resultType),
            TypeKind.Float32 => new DistinctValuesDigestAccumulator<float>(percentile, maxSize, resultType),
            _ => null,
        };
    }

    /// <summary>The incremental (non-holistic) accumulator, or null when the function needs all values.</summary>
    public static GroupAccumulator? CreateStreaming(string function, IReadOnlyList<DataType> argTypes, DataType resultType, IReadOnlyList<object?> parameters)
    {
        switch (function)
        {
            case "count":
                return new CountAccumulator();
            case "sum":
                return Sum(resultType, average: false);
            case "avg":
                return resultType.Kind == TypeKind.Decimal
                    ? new SumAccumulator<decimal>(average: true, resultType.Scale)
                    : argTypes[0].IsUnsignedInteger ? new SumAccumulator<ulong>(average: true)
                    : argTypes[0].IsInteger ? new SumAccumulator<long>(average: true)
                    : new SumAccumulator<double>(average: true);
            case "min" or "max":
                return MinMax(argTypes[0], function == "max");
            case "bool_and" or "bool_or":
                return new BoolAccumulator(function == "bool_and");
            case "bit_and":
                return new BitAccumulator(BitOp.And);
            case "bit_or":
                return new BitAccumulator(BitOp.Or);
            case "bit_xor":
                return new BitAccumulator(BitOp.Xor);
            case "var_samp": return new VarianceAccumulator(VarianceKind.VarSamp);
            case "var_pop": return new VarianceAccumulator(VarianceKind.VarPop);
            case "stddev_samp": return new VarianceAccumulator(VarianceKind.StddevSamp);
            case "stddev_pop": return new VarianceAccumulator(VarianceKind.StddevPop);
            case "covar_samp": return new CovarianceAccumulator(CovarianceKind.CovarSamp);
            case "covar_pop": return new CovarianceAccumulator(CovarianceKind.CovarPop);
            case "corr": return new CovarianceAccumulator(CovarianceKind.Corr);
            case "regr_slope": return new CovarianceAccumulator(CovarianceKind.RegrSlope);
            case "regr_intercept": return new CovarianceAccumulator(CovarianceKind.RegrIntercept);
            case "regr_count": return new CovarianceAccumulator(CovarianceKind.RegrCount);
            case "regr_r2": return new CovarianceAccumulator(CovarianceKind.RegrR2);
            case "regr_avgx": return new CovarianceAccumulator(CovarianceKind.RegrAvgX);
            case "regr_avgy": return new CovarianceAccumulator(CovarianceKind.RegrAvgY);
            case "regr_sxx": return new CovarianceAccumulator(CovarianceKind.RegrSxx);
            case "regr_syy": return new CovarianceAccumulator(CovarianceKind.RegrSyy);
            case "regr_sxy": return new CovarianceAccumulator(CovarianceKind.RegrSxy);
            case "approx_median" or "approx_percentile_cont" or "approx_percentile_cont_with_weight":
                return TDigestAccumulator.For(function, parameters, resultType);
            default:
                return null;
        }
    }

    private static GroupAccumulator Sum(DataType resultType, bool average) => resultType.Kind switch
    {
        TypeKind.Int64 => new SumAccumulator<long>(average),
        TypeKind.UInt64 => new SumAccumulator<ulong>(average),
        TypeKind.Decimal => new SumAccumulator<decimal>(average, resultType.Scale),
        _ => new SumAccumulator<double>(average),
    };

    // DISTINCT count over fixed-width values: a value table per group (GroupValueSet), with
    // multiplicities only when retracting. DISTINCT over text, and sum/avg: a value → multiplicity
    // map per group. Null for the rest (the value bag). sum/avg only over integers, whose sums are exact in any order.
    private static GroupAccumulator? Distinct(string function, DataType arg, DataType resultType, bool retracting) => function switch
    {
        "count" => arg.Kind switch
        {
            TypeKind.Utf8 or TypeKind.Binary => new DistinctCountBytesAccumulator(),
            TypeKind.Boolean => new DistinctCountAccumulator<bool>(retracting),
            _ when TypeDispatch.IsNumberStored(arg) => TypeDispatch.Numeric(arg, new DistinctCountVisitor(retracting)),
            _ => null,
        },
        "sum" when arg.IsInteger && resultType.Kind == TypeKind.Int64 => new DistinctSumAccumulator<long>(average: false),
        "sum" when arg.IsInteger && resultType.Kind == TypeKind.UInt64 => new DistinctSumAccumulator<ulong>(average: false),
        "avg" when arg.IsInteger && resultType.Kind == TypeKind.Float64 =>
            arg.IsUnsignedInteger ? new DistinctSumAccumulator<ulong>(average: true) : new DistinctSumAccumulator<long>(average: true),
        _ => null,
    };

    private sealed class DistinctCountVisitor(bool retracting) : INumericVisitor<GroupAccumulator>
    {
        public GroupAccumulator Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => new DistinctCountAccumulator<T>(retracting);
    }

    // min/max over retracting input for types whose equal values are indistinguishable (so the
    // result does not depend on which copy of a tie is kept); floats and decimals use the value bag.
    private static GroupAccumulator? RetractingMinMax(DataType type, bool max) => type.Kind switch
    {
        TypeKind.Utf8 or TypeKind.Binary => new RetractingMinMaxBytesAccumulator(max),
        TypeKind.Boolean => new RetractingMinMaxAccumulator<bool>(max),
        TypeKind.Int8 => new RetractingMinMaxAccumulator<sbyte>(max),
        TypeKind.Int16 => new RetractingMinMaxAccumulator<short>(max),
        TypeKind.Int32 or TypeKind.Date => new RetractingMinMaxAccumulator<int>(max),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => new RetractingMinMaxAccumulator<long>(max),
        TypeKind.UInt8 => new RetractingMinMaxAccumulator<byte>(max),
        TypeKind.UInt16 => new RetractingMinMaxAccumulator<ushort>(max),
        TypeKind.UInt32 => new RetractingMinMaxAccumulator<uint>(max),
        TypeKind.UInt64 => new RetractingMinMaxAccumulator<ulong>(max),
        _ => null,
    };

    private static GroupAccumulator? MinMax(DataType type, bool max) => type.Kind switch
    {
        TypeKind.Utf8 or TypeKind.Binary => new MinMaxBytesAccumulator(max),
        TypeKind.Boolean => new MinMaxAccumulator<bool>(max),
        TypeKind.Int8 => new MinMaxAccumulator<sbyte>(max),
        TypeKind.Int16 => new MinMaxAccumulator<short>(max),
        TypeKind.Int32 or TypeKind.Date => new MinMaxAccumulator<int>(max),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => new MinMaxAccumulator<long>(max),
        TypeKind.UInt8 => new MinMaxAccumulator<byte>(max),
        TypeKind.UInt16 => new MinMaxAccumulator<ushort>(max),
        TypeKind.UInt32 => new MinMaxAccumulator<uint>(max),
        TypeKind.UInt64 => new MinMaxAccumulator<ulong>(max),
        TypeKind.Float32 => new MinMaxAccumulator<float>(max),
        TypeKind.Float64 => new MinMaxAccumulator<double>(max),
        TypeKind.Decimal => new MinMaxAccumulator<decimal>(max),
        _ => null,
    };
}
