using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Casts;

/// <summary>Chooses the column conversion for a cast once, at compile time.</summary>
internal static class CastFactory
{
    public static CastFn Create(DataType from, DataType to, bool isTry)
    {
        if (from == to) return (input, _) => input;
        if (from.Kind == TypeKind.Null) return (_, n) => NullColumns.Of(to, n);
        if (from.Kind == TypeKind.Utf8 && to.Kind == TypeKind.Utf8) return (input, _) => NullColumns.Relabel(input, to);
        if (to.Kind == TypeKind.Utf8) return TextFormat.Create(from, to);
        if (from.Kind == TypeKind.Utf8) return TextParse.Create(to, isTry);
        if (TypeDispatch.IsNumberStored(from) && TypeDispatch.IsNumberStored(to))
        {
            if (Temporal(from, to) is { } temporal) return temporal;
            if (Storage(from) == Storage(to)) return (input, _) => NullColumns.Relabel(input, to);
            return Relabelled(NumericCasts.Create(Storage(from), Storage(to), isTry), to);
        }
        if (from.Kind == TypeKind.Boolean && to.IsNumeric)
        {
            var toNumber = NumericCasts.Create(DataType.Int8, to, isTry);
            return (input, n) =>
            {
                var b = (PrimitiveColumn<bool>)input;
                var bytes = new sbyte[n];
                for (var i = 0; i < n; i++) bytes[i] = b.Values[i] ? (sbyte)1 : (sbyte)0;
                return toNumber(new PrimitiveColumn<sbyte>(DataType.Int8, bytes, n, b.Validity), n);
            };
        }
        if (from.IsNumeric && to.Kind == TypeKind.Boolean)
        {
            var toDouble = NumericCasts.Create(from, DataType.Float64, true);
            return (input, n) =>
            {
                var d = (PrimitiveColumn<double>)toDouble(input, n);
                var result = new bool[n];
                for (var i = 0; i < n; i++) result[i] = d.Values[i] != 0;
                return new PrimitiveColumn<bool>(to, result, n, d.Validity);
            };
        }
        if (from.Kind == TypeKind.List && to.Kind == TypeKind.List)
        {
            var element = Create(from.Element!, to.Element!, isTry);
            return (input, n) =>
            {
                var list = (ListColumn)input;
                var values = element(list.Values, list.Values.Length);
                return new ListColumn(to, values, list.Offsets, n, list.Validity);
            };
        }
        if (from.Kind == TypeKind.Struct && to.Kind == TypeKind.Struct)
        {
            var fields = from.Fields.Zip(to.Fields, (f, t) => Create(f.Type, t.Type, isTry)).ToArray();
            return (input, n) =>
            {
                var s = (StructColumn)input;
                var children = new Column[fields.Length];
                for (var i = 0; i < children.Length; i++) children[i] = fields[i](s.Children[i], n);
                return new StructColumn(to, children, n, s.Validity);
            };
        }
        throw new NotSupportedException($"cast from {from} to {to}");
    }

    /// <summary>The plain number type values of <paramref name="type"/> are stored as.</summary>
    private static DataType Storage(DataType type) => type.Kind switch
    {
        TypeKind.Timestamp or TypeKind.Time => DataType.Int64,
        TypeKind.Date => DataType.Int32,
        _ => type,
    };

    private static CastFn Relabelled(CastFn inner, DataType to) =>
        to.Kind is TypeKind.Timestamp or TypeKind.Date or TypeKind.Time
            ? (input, n) => NullColumns.Relabel(inner(input, n), to)
            : inner;

    /// <summary>Casts whose value changes between temporal units (DATE↔TIMESTAMP, TIMESTAMP→TIME).</summary>
    private static CastFn? Temporal(DataType from, DataType to)
    {
        switch (from.Kind, to.Kind)
        {
            case (TypeKind.Date, TypeKind.Timestamp):
                return (input, n) => Map<int, long>(input, n, to, d => d * IntervalValue.NanosPerDay);
            case (TypeKind.Timestamp, TypeKind.Date):
                return (input, n) => Map<long, int>(input, n, to, t => (int)Timestamps.FloorDiv(t, IntervalValue.NanosPerDay));
            case (TypeKind.Timestamp, TypeKind.Time):
                return (input, n) => Map<long, long>(input, n, to, t => t - Timestamps.FloorDiv(t, IntervalValue.NanosPerDay) * IntervalValue.NanosPerDay);
            default:
                return null;
        }
    }

    private static Column Map<TIn, TOut>(Column input, int n, DataType to, Func<TIn, TOut> f)
        where TIn : unmanaged where TOut : unmanaged
    {
        var c = (PrimitiveColumn<TIn>)input;
        var result = new TOut[n];
        var v = c.Values;
        for (var i = 0; i < n; i++) result[i] = f(v[i]);
        return new PrimitiveColumn<TOut>(to, result, n, c.Validity);
    }
}
