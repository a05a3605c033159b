using System.Globalization;
using System.Numerics;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Casts;

/// <summary>Text-to-value casts. Unparsable text is NULL under TRY_CAST and a <see cref="DataException"/> under CAST.</summary>
internal static class TextParse
{
    private delegate bool Parser<T>(ReadOnlySpan<byte> utf8, out T value);

    public static CastFn Create(DataType to, bool isTry)
    {
        switch (to.Kind)
        {
            case TypeKind.Boolean: return (input, n) => Parse<bool>(input, n, to, isTry, TryParseBool);
            case TypeKind.Timestamp: return (input, n) => Parse<long>(input, n, to, isTry, TryParseTimestamp);
            case TypeKind.Date: return (input, n) => Parse<int>(input, n, to, isTry, TryParseDate);
            case TypeKind.Time: return (input, n) => Parse<long>(input, n, to, isTry, TryParseTime);
            case TypeKind.Interval: return (input, n) => Parse<IntervalValue>(input, n, to, isTry, (s, out v) => IntervalParser.TryParse(Encoding.UTF8.GetString(s), out v));
            case TypeKind.Decimal:
                var scale = Math.Min(to.Scale, 28);
                return (input, n) => Parse<decimal>(input, n, to, isTry, (s, out v) =>
                {
                    if (!decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v)) return false;
                    v = Math.Round(v, scale, MidpointRounding.AwayFromZero);
                    return true;
                });
            case TypeKind.Binary: return (input, n) => new StringColumn(to, ((StringColumn)input).Data, ((StringColumn)input).Offsets, n, input.Validity);
            default:
                if (to.IsNumeric) return TypeDispatch.Numeric(to, new NumberVisitor(to, isTry));
                throw new NotSupportedException($"cannot parse text as {to}");
        }
    }

    private sealed class NumberVisitor(DataType to, bool isTry) : INumericVisitor<CastFn>
    {
        public CastFn Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var styles = to.IsInteger ? NumberStyles.Integer : NumberStyles.Float;
            return (input, n) => Parse<T>(input, n, to, isTry, (s, out v) =>
            {
                if (T.TryParse(Trim(s), styles, CultureInfo.InvariantCulture, out v)) return true;
                return TryParseSpecialFloat(Trim(s), out v);
            });
        }
    }

    private static bool TryParseSpecialFloat<T>(ReadOnlySpan<byte> s, out T value) where T : INumber<T>
    {
        value = T.Zero;
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float)) return false;
        double d;
        if (Ascii.EqualsIgnoreCase(s, "inf"u8) || Ascii.EqualsIgnoreCase(s, "infinity"u8)) d = double.PositiveInfinity;
        else if (Ascii.EqualsIgnoreCase(s, "-inf"u8) || Ascii.EqualsIgnoreCase(s, "-infinity"u8)) d = double.NegativeInfinity;
        else if (Ascii.EqualsIgnoreCase(s, "nan"u8)) d = double.NaN;
        else return false;
        value = T.CreateTruncating(d);
        return true;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim(" \t\r\n"u8);

    private static Column Parse<T>(Column input, int n, DataType to, bool isTry, Parser<T> parse) where T : unmanaged
    {
        var column = (StringColumn)input;
        var result = new T[n];
        var validity = column.Validity;
        var copied = false;
        for (var i = 0; i < n; i++)
        {
            if (!column.IsValid(i)) continue;
            if (parse(column.GetBytes(i), out result[i])) continue;
            if (!isTry)
            {
                throw new DataException($"Cast error: Cannot cast string '{column.GetString(i)}' to value of {to} type");
            }
            if (!copied)
            {
                validity = validity?.Clone() ?? new Bitmap(n, true);
                copied = true;
            }
            validity!.Clear(i);
        }
        return new PrimitiveColumn<T>(to, result, n, validity);
    }

    public static bool TryParseBool(ReadOnlySpan<byte> s, out bool value)
    {
        s = Trim(s);
        Span<byte> lower = stackalloc byte[8];
        value = false;
        if (s.Length is 0 or > 8) return false;
        Ascii.ToLower(s, lower, out var len);
        var t = lower[..len];
        if (t.SequenceEqual("true"u8) || t.SequenceEqual("t"u8) || t.SequenceEqual("yes"u8) || t.SequenceEqual("y"u8) || t.SequenceEqual("on"u8) || t.SequenceEqual("1"u8))
        {
            value = true;
            return true;
        }
        return t.SequenceEqual("false"u8) || t.SequenceEqual("f"u8) || t.SequenceEqual("no"u8) || t.SequenceEqual("n"u8) || t.SequenceEqual("off"u8) || t.SequenceEqual("0"u8);
    }

    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long nanos) => Timestamps.TryParse(s, out nanos);

    public static bool TryParseDate(ReadOnlySpan<byte> s, out int days)
    {
        days = 0;
        if (!TryParseTimestamp(s, out var nanos)) return false;
        days = (int)Timestamps.FloorDiv(nanos, IntervalValue.NanosPerDay);
        return true;
    }

    public static bool TryParseTime(ReadOnlySpan<byte> s, out long nanos)
    {
        nanos = 0;
        s = Trim(s);
        Span<byte> full = stackalloc byte[11 + s.Length];
        "1970-01-01T"u8.CopyTo(full);
        s.CopyTo(full[11..]);
        return TryParseTimestamp(full, out nanos) && nanos < IntervalValue.NanosPerDay;
    }
}
