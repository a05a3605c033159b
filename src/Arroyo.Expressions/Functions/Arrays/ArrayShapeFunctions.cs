using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Functions.ArrayEditFunctions;
using static Arroyo.Expressions.Functions.ArraySignature;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Array functions about an array's shape and contents as a whole: dims, ndims, cardinality,
/// empty, flatten, max/min/any_value, distance; and the functions that build arrays from
/// scalars: range, generate_series, string_to_array.
/// </summary>
internal static class ArrayShapeFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("array_dims", "array_dims(ARRAY)", Bind("array_dims", "L", _ => DataType.List(DataType.UInt64)), Fn.Rows(a => Dims(List(a[0]))));
        r.AddCustom("array_ndims", "array_ndims(ARRAY)", Bind("array_ndims", "L", _ => DataType.UInt64), (bound, ret) =>
        {
            var depth = 0UL;
            for (var t = bound[0].Type; t.Kind == TypeKind.List; t = t.Element!) depth++;
            return Fn.Rows(_ => depth)(bound, ret);
        });
        r.AddCustom("cardinality", "cardinality(ARRAY | MAP)", (args, span) =>
            args is [{ Type.IsMap: true } map] ? ([map], DataType.UInt64) : Bind("cardinality", "L", _ => DataType.UInt64)(args, span),
            // A map's cardinality is its number of entries.
            (bound, ret) => Fn.Rows(a => bound[0].Type.IsMap ? (ulong)List(a[0]).Length : Leaves(List(a[0])))(bound, ret));
        r.AddCustom("empty", "empty(ARRAY)", Bind("empty", "L", _ => DataType.Boolean), Fn.Rows(a => List(a[0]).Length == 0));
        r.AddCustom("flatten", "flatten(ARRAY)", (args, span) =>
        {
            var (cast, list) = Bind("flatten", "L", t => t)(args, span);
            // One level: an array of arrays becomes an array of their elements; any other array is unchanged.
            return (cast, list.Element!.Kind == TypeKind.List ? list.Element : list);
        }, (bound, ret) =>
        {
            var nested = bound[0].Type.Element!.Kind == TypeKind.List;
            return Fn.Rows(a => nested ? List(a[0]).OfType<object?[]>().SelectMany(x => x).ToArray() : a[0])(bound, ret);
        });
        r.AddCustom("array_max", "array_max(ARRAY)", Bind("array_max", "L", t => t.Element!),
            Fn.Rows(a => List(a[0]).Where(e => e is not null).DefaultIfEmpty(null).Max(ValueComparer.Instance)));
        r.AddCustom("array_min", "array_min(ARRAY)", Bind("array_min", "L", t => t.Element!),
            Fn.Rows(a => List(a[0]).Where(e => e is not null).DefaultIfEmpty(null).Min(ValueComparer.Instance)));
        r.AddCustom("array_any_value", "array_any_value(ARRAY)", Bind("array_any_value", "L", t => t.Element!),
            Fn.Rows(a => List(a[0]).FirstOrDefault(e => e is not null)));
        r.AddCustom("array_distance", "array_distance(ARRAY, ARRAY)", (args, span) =>
        {
            var numeric = DataType.List(DataType.Float64);
            if (args.Count != 2 || args.Any(x => !Param.ImplicitlyCastable(x.Type, numeric)))
            {
                throw ArrayFunctions.WrongArgs("array_distance", "array_distance(ARRAY of numbers, ARRAY of numbers)", args, span);
            }
            return ([Coercion.CastTo(args[0], numeric), Coercion.CastTo(args[1], numeric)], DataType.Float64);
        }, Fn.Rows(a => Distance(List(a[0]), List(a[1]))));
        RegisterSeries(r, "range", inclusive: false);
        RegisterSeries(r, "generate_series", inclusive: true);
        r.AddCustom("string_to_array", "string_to_array(TEXT, TEXT[, TEXT])", (args, span) =>
        {
            if (args.Count is < 2 or > 3 || args.Any(x => !Param.ImplicitlyCastable(x.Type, DataType.Utf8)))
            {
                throw ArrayFunctions.WrongArgs("string_to_array", "string_to_array(TEXT, TEXT[, TEXT])", args, span);
            }
            return (args.Select(x => Coercion.CastTo(x, DataType.Utf8)).ToArray(), DataType.List(DataType.Utf8));
        }, Fn.Rows(a => a[0] is null ? null : StringToArray((string)a[0]!, (string?)a[1], a.Length > 2 ? (string?)a[2] : null), nullsIn: true));
    }

    /// <summary>The length of each level, following the first element down (DataFusion's array_dims); NULL for an empty array.</summary>
    private static object? Dims(object?[] list)
    {
        if (list.Length == 0) return null;
        var dims = new List<object?>();
        object? level = list;
        while (level is object?[] l)
        {
            dims.Add((ulong)l.Length);
            level = l.Length > 0 ? l[0] : null;
        }
        return dims.ToArray();
    }

    /// <summary>The number of non-list values at the bottom of a (nested) array: DataFusion's cardinality.</summary>
    private static ulong Leaves(object?[] list) => list.Length == 0 ? 0 : list[0] is object?[] ? (ulong)list.Sum(e => e is object?[] l ? (long)Leaves(l) : 0) : (ulong)list.Length;

    private static object? Distance(object?[] a, object?[] b)
    {
        if (a.Length != b.Length) throw new DataException($"array_distance: both arrays must have the same length, got {a.Length} and {b.Length}");
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] is null || b[i] is null) throw new DataException("array_distance: the arrays must not hold NULL elements");
            var d = (double)a[i]! - (double)b[i]!;
            sum += d * d;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// range(stop) / range(start, stop[, step]) over integers, or over dates and timestamps with
    /// an interval step. range leaves out <c>stop</c>; generate_series includes it.
    /// </summary>
    private static void RegisterSeries(FunctionRegistry r, string name, bool inclusive)
    {
        var signature = $"{name}([BIGINT, ]BIGINT[, BIGINT]) or {name}(TIMESTAMP, TIMESTAMP, INTERVAL)";
        r.AddCustom(name, signature, (args, span) =>
        {
            if (args.Count is 1 or 2 || (args.Count == 3 && args[2].Type.Kind != TypeKind.Interval))
            {
                if (args.Any(x => !(x.Type.IsInteger || x.Type.Kind == TypeKind.Null))) throw ArrayFunctions.WrongArgs(name, signature, args, span);
                return (args.Select(x => Coercion.CastTo(x, DataType.Int64)).ToArray(), DataType.List(DataType.Int64));
            }
            if (args.Count != 3) throw ArrayFunctions.WrongArgs(name, signature, args, span);
            var temporal = args[0].Type.Kind == TypeKind.Date && args[1].Type.Kind == TypeKind.Date ? DataType.Date : DataType.Timestamp;
            if (!Param.ImplicitlyCastable(args[0].Type, temporal) || !Param.ImplicitlyCastable(args[1].Type, temporal))
            {
                throw ArrayFunctions.WrongArgs(name, signature, args, span);
            }
            return ([Coercion.CastTo(args[0], temporal), Coercion.CastTo(args[1], temporal), args[2]], DataType.List(temporal));
        }, (bound, ret) =>
        {
            if (ret.Element!.Kind == TypeKind.Int64) return Fn.Rows(a => IntSeries(a.Length == 1 ? 0 : (long)a[0]!, (long)a[a.Length == 1 ? 0 : 1]!, a.Length > 2 ? (long)a[2]! : 1, inclusive, name))(bound, ret);
            var date = ret.Element.Kind == TypeKind.Date;
            return Fn.Rows(a => TemporalSeries(a[0]!, a[1]!, (IntervalValue)a[2]!, date, inclusive, name))(bound, ret);
        });
    }

    private const int MaxSeries = 10_000_000;

    private static object?[] IntSeries(long start, long stop, long step, bool inclusive, string name)
    {
        if (step == 0) throw new DataException($"{name}: the step cannot be 0");
        var result = new List<object?>();
        for (var v = start; step > 0 ? v < stop || (inclusive && v == stop) : v > stop || (inclusive && v == stop);)
        {
            if (result.Count >= MaxSeries) throw new DataException($"{name}: more than {MaxSeries} values");
            result.Add(v);
            if (step > 0 ? v > long.MaxValue - step : v < long.MinValue - step) break;
            v += step;
        }
        return result.ToArray();
    }

    private static object?[] TemporalSeries(object start, object stop, IntervalValue step, bool date, bool inclusive, string name)
    {
        if (step.Months == 0 && step.Days == 0 && step.Nanoseconds == 0) throw new DataException($"{name}: the step cannot be 0");
        var forward = step.Months > 0 || (step.Months == 0 && (step.Days > 0 || (step.Days == 0 && step.Nanoseconds > 0)));
        long ToNanos(object v) => date ? (int)v * IntervalValue.NanosPerDay : (long)v;
        var (from, to) = (ToNanos(start), ToNanos(stop));
        var result = new List<object?>();
        for (var i = 0L; ; i++)
        {
            var v = TimestampIntervalKernel.Add(from, new IntervalValue(step.Months * (int)i, step.Days * (int)i, step.Nanoseconds * i));
            if (forward ? v > to || (!inclusive && v == to) : v < to || (!inclusive && v == to)) break;
            if (result.Count >= MaxSeries) throw new DataException($"{name}: more than {MaxSeries} values");
            result.Add(date ? (object)(int)(v / IntervalValue.NanosPerDay) : v);
        }
        return result.ToArray();
    }

    /// <summary>DataFusion's string_to_array: a NULL delimiter splits into characters, an empty one keeps the string whole; values equal to <paramref name="nullString"/> become NULL.</summary>
    private static object?[] StringToArray(string s, string? delimiter, string? nullString)
    {
        if (s.Length == 0) return [];
        string[] parts = delimiter is null ? s.EnumerateRunes().Select(x => x.ToString()).ToArray()
            : delimiter.Length == 0 ? [s]
            : s.Split(delimiter);
        return parts.Select(p => nullString is not null && p == nullString ? null : (object?)p).ToArray();
    }
}
