using System.Globalization;
using System.Numerics;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Casts;

/// <summary>Value-to-text as DataFusion's CAST(x AS TEXT) prints it (Arrow's display formatting).</summary>
internal static class TextFormat
{
    public static CastFn Create(DataType from, DataType to)
    {
        switch (from.Kind)
        {
            case TypeKind.Float32 or TypeKind.Float64:
                return (input, n) => Floats(input, n, to);
            case TypeKind.Decimal:
                return (input, n) => PerRow<decimal>(input, n, to, v => v.ToString("F" + from.Scale, CultureInfo.InvariantCulture));
            case TypeKind.Timestamp:
                return (input, n) => PerRow<long>(input, n, to, Timestamps.FormatIso);
            case TypeKind.Date:
                return (input, n) => PerRow<int>(input, n, to, FormatDate);
            case TypeKind.Time:
                return (input, n) => PerRow<long>(input, n, to, FormatTime);
            case TypeKind.Interval:
                return (input, n) => PerRow<IntervalValue>(input, n, to, FormatInterval);
            case TypeKind.Boolean:
                return (input, n) => PerRow<bool>(input, n, to, v => v ? "true" : "false");
            case TypeKind.Binary:
                return (input, n) => Generic(input, n, to, v => Convert.ToHexString((byte[])v).ToLowerInvariant());
            case TypeKind.List or TypeKind.Struct:
                return (input, n) => Generic(input, n, to, v => FormatNested(v, from));
            default:
                if (from.IsInteger) return TypeDispatch.Numeric(from, new IntegerVisitor(to));
                throw new NotSupportedException($"no text form for {from}");
        }
    }

    public static string FormatDouble(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        var text = v.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E'))
        {
            // Rust prints 1e20 / 1.5e-7 rather than 1E+20 / 1.5E-07.
            var e = text.IndexOf('E');
            var exponent = int.Parse(text.AsSpan(e + 1), CultureInfo.InvariantCulture);
            return text[..e] + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        }
        return text.Contains('.') ? text : text + ".0";
    }

    public static string FormatFloat(float v) =>
        float.IsFinite(v) ? FormatDouble(double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)) : FormatDouble(v);

    public static string FormatDate(int days) =>
        DateOnly.FromDayNumber(UnixEpochDay + days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static string FormatTime(long nanos)
    {
        var whole = Timestamps.FormatIso(nanos);
        return whole[(whole.IndexOf('T') + 1)..];
    }

    /// <summary>Arrow's interval display, e.g. <c>0 years 0 mons 1 days 2 hours 0 mins 0.000000000 secs</c> shortened to non-zero parts.</summary>
    public static string FormatInterval(IntervalValue v)
    {
        var parts = new List<string>();
        if (v.Months / 12 != 0) parts.Add($"{v.Months / 12} years");
        if (v.Months % 12 != 0) parts.Add($"{v.Months % 12} mons");
        if (v.Days != 0) parts.Add($"{v.Days} days");
        var nanos = v.Nanoseconds;
        var hours = nanos / (3600 * Timestamps.NanosPerSecond);
        nanos -= hours * 3600 * Timestamps.NanosPerSecond;
        var minutes = nanos / (60 * Timestamps.NanosPerSecond);
        nanos -= minutes * 60 * Timestamps.NanosPerSecond;
        if (hours != 0) parts.Add($"{hours} hours");
        if (minutes != 0) parts.Add($"{minutes} mins");
        if (nanos != 0 || parts.Count == 0)
        {
            var secs = nanos / Timestamps.NanosPerSecond;
            var frac = Math.Abs(nanos % Timestamps.NanosPerSecond);
            parts.Add(frac == 0 ? $"{secs} secs" : $"{(nanos < 0 && secs == 0 ? "-" : "")}{secs}.{frac:D9} secs");
        }
        return string.Join(" ", parts);
    }

    public static string FormatNested(object? value, DataType type)
    {
        if (value is null) return "NULL";
        switch (type.Kind)
        {
            case TypeKind.List when type.IsMap:
                // DataFusion shows a map as {key: value, ...}.
                var entry = type.Element!;
                return "{" + string.Join(", ", ((object?[])value).Cast<object?[]>().Select(e =>
                    $"{FormatNested(e[0], entry.Fields[0].Type)}: {FormatNested(e[1], entry.Fields[1].Type)}")) + "}";
            case TypeKind.List:
                return "[" + string.Join(", ", ((object?[])value).Select(v => FormatNested(v, type.Element!))) + "]";
            case TypeKind.Struct:
                var fields = (object?[])value;
                return "{" + string.Join(", ", fields.Select((v, i) => $"{type.Fields[i].Name}: {FormatNested(v, type.Fields[i].Type)}")) + "}";
            default:
                var column = Column.Constant(type, value, 1);
                return ((StringColumn)CastFactory.Create(type, DataType.Utf8, false)(column, 1)).GetString(0);
        }
    }

    private sealed class IntegerVisitor(DataType to) : INumericVisitor<CastFn>
    {
        public CastFn Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => (input, n) => Integers<T>(input, n, to);
    }

    // Integers format straight into the builder's buffer: no string per row.
    private static Column Integers<T>(Column input, int n, DataType to) where T : unmanaged, INumber<T>
    {
        var column = (PrimitiveColumn<T>)input;
        var builder = new StringColumnBuilder(to, n);
        var values = column.Values;
        for (var i = 0; i < n; i++)
        {
            if (!column.IsValid(i))
            {
                builder.AppendNull();
                continue;
            }
            var span = builder.GetWriteSpan(24);
            values[i].TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            builder.CommitWritten(written);
        }
        return builder.Build();
    }

    private static Column Floats(Column input, int n, DataType to) => input switch
    {
        PrimitiveColumn<double> d => PerRow<double>(d, n, to, FormatDouble),
        _ => PerRow<float>(input, n, to, FormatFloat),
    };

    private static Column PerRow<T>(Column input, int n, DataType to, Func<T, string> format) where T : unmanaged
    {
        var column = (PrimitiveColumn<T>)input;
        var builder = new StringColumnBuilder(to, n);
        for (var i = 0; i < n; i++)
        {
            if (column.IsValid(i)) builder.Append(format(column.Values[i]));
            else builder.AppendNull();
        }
        return builder.Build();
    }

    private static Column Generic(Column input, int n, DataType to, Func<object, string> format)
    {
        var builder = new StringColumnBuilder(to, n);
        for (var i = 0; i < n; i++)
        {
            var v = input.GetValue(i);
            if (v is null) builder.AppendNull();
            else builder.Append(format(v));
        }
        return builder.Build();
    }

    internal static readonly UTF8Encoding Utf8 = new(false);
}
