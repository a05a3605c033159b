using System.Numerics;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Casts;

/// <summary>Number-to-number casts, generic over both storage types.</summary>
internal static class NumericCasts
{
    public static CastFn Create(DataType from, DataType to, bool isTry) =>
        TypeDispatch.Numeric(from, new FromVisitor(to, isTry));

    private sealed class FromVisitor(DataType to, bool isTry) : INumericVisitor<CastFn>
    {
        public CastFn Visit<TFrom>() where TFrom : unmanaged, INumber<TFrom>, IMinMaxValue<TFrom> =>
            TypeDispatch.Numeric(to, new ToVisitor<TFrom>(to, isTry));
    }

    private sealed class ToVisitor<TFrom>(DataType to, bool isTry) : INumericVisitor<CastFn>
        where TFrom : unmanaged, INumber<TFrom>
    {
        public CastFn Visit<TTo>() where TTo : unmanaged, INumber<TTo>, IMinMaxValue<TTo>
        {
            if (typeof(TTo) == typeof(decimal))
            {
                var scale = to.Scale;
                return (input, n) => ToDecimal<TFrom>((PrimitiveColumn<TFrom>)input, n, to, scale, isTry);
            }
            return (input, n) => Convert<TFrom, TTo>((PrimitiveColumn<TFrom>)input, n, to, isTry);
        }
    }

    private static Column Convert<TFrom, TTo>(PrimitiveColumn<TFrom> input, int n, DataType to, bool isTry)
        where TFrom : unmanaged, INumber<TFrom>
        where TTo : unmanaged, INumber<TTo>
    {
        var source = input.Values.AsSpan(0, n);
        var result = new TTo[n];
        try
        {
            // Fast path: one checked conversion per row, no per-row exception handling.
            for (var i = 0; i < result.Length; i++) result[i] = TTo.CreateChecked(source[i]);
            return new PrimitiveColumn<TTo>(to, result, n, input.Validity);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            // Some row is out of range: redo row by row so only that row fails (TRY_CAST) or is named (CAST).
            var validity = input.Validity?.Clone() ?? new Bitmap(n, true);
            for (var i = 0; i < n; i++)
            {
                if (!validity.Get(i)) continue;
                try
                {
                    result[i] = TTo.CreateChecked(source[i]);
                }
                catch (Exception inner) when (inner is OverflowException or ArgumentException)
                {
                    if (!isTry) throw new DataException($"Cast error: Can't cast value {source[i]} to type {to}");
                    validity.Clear(i);
                }
            }
            return new PrimitiveColumn<TTo>(to, result, n, validity);
        }
    }

    private static Column ToDecimal<TFrom>(PrimitiveColumn<TFrom> input, int n, DataType to, int scale, bool isTry)
        where TFrom : unmanaged, INumber<TFrom>
    {
        var source = input.Values.AsSpan(0, n);
        var result = new decimal[n];
        Bitmap? validity = input.Validity;
        var limit = to.Precision - scale is var digits and > 0 and < 29 ? Pow10(digits) : decimal.MaxValue;
        for (var i = 0; i < n; i++)
        {
            if (validity is not null && !validity.Get(i)) continue;
            decimal value;
            try
            {
                value = typeof(TFrom) == typeof(double) || typeof(TFrom) == typeof(float)
                    ? FloatToDecimal(double.CreateTruncating(source[i]), scale)
                    : Math.Round(decimal.CreateChecked(source[i]), Math.Min(scale, 28), MidpointRounding.AwayFromZero);
            }
            catch (Exception e) when (e is OverflowException or ArgumentException)
            {
                value = decimal.MaxValue;
            }
            if (Math.Abs(value) >= limit)
            {
                if (!isTry) throw new DataException($"Cast error: Can't cast value {source[i]} to type {to}");
                validity = validity is null ? new Bitmap(n, true) : validity == input.Validity ? validity.Clone() : validity;
                validity.Clear(i);
                continue;
            }
            result[i] = value;
        }
        return new PrimitiveColumn<decimal>(to, result, n, validity);
    }

    /// <summary>
    /// A float to a decimal of <paramref name="scale"/> as arrow casts it: (v * 10^scale) rounded half
    /// away from zero in floating point, so 4.435 (really 4.43499…) becomes 4.43, not 4.44.
    /// </summary>
    private static decimal FloatToDecimal(double v, int scale)
    {
        if (scale < 0 || scale > 28) return Math.Round(decimal.CreateChecked(v), Math.Min(Math.Max(scale, 0), 28), MidpointRounding.AwayFromZero);
        var scaled = Math.Round(v * Math.Pow(10, scale), MidpointRounding.AwayFromZero);
        return decimal.CreateChecked(scaled) / Pow10(scale);
    }

    private static decimal Pow10(int digits)
    {
        var v = 1m;
        for (var i = 0; i < digits; i++) v *= 10;
        return v;
    }
}
