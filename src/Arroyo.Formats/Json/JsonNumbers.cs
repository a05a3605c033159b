using System.Buffers.Text;
using System.Globalization;

namespace Arroyo.Formats.Json;

/// <summary>
/// Floating-point text as the reference's JSON writer prints it (the conformance goldens
/// compare numbers exactly): the shortest digits that round-trip; a decimal point always
/// (<c>100.0</c>, <c>0.0</c>); plain notation for decimal exponents -5…9 (<c>1695067737.1303</c>),
/// scientific with a bare exponent outside it (<c>2.344763531113588e11</c>, <c>1.0e-7</c>).
/// NaN and infinities have no JSON form and are written as null.
/// </summary>
internal static class JsonNumbers
{
    public static void WriteDouble(ByteBuffer output, double value)
    {
        if (!double.IsFinite(value))
        {
            output.Write("null"u8);
            return;
        }
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
        WriteShortest(output, text[..length]);
    }

    public static void WriteFloat(ByteBuffer output, float value)
    {
        if (!float.IsFinite(value))
        {
            output.Write("null"u8);
            return;
        }
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
        WriteShortest(output, text[..length]);
    }

    public static void WriteInt64(ByteBuffer output, long value)
    {
        Utf8Formatter.TryFormat(value, output.GetSpan(20), out var written);
        output.Advance(written);
    }

    public static void WriteUInt64(ByteBuffer output, ulong value)
    {
        Utf8Formatter.TryFormat(value, output.GetSpan(20), out var written);
        output.Advance(written);
    }

    // Re-renders .NET's shortest round-trip text ("123.45", "1E+16", "1.5E-07") from its
    // digits and decimal exponent in the reference's layout.
    private static void WriteShortest(ByteBuffer output, ReadOnlySpan<char> text)
    {
        Span<byte> digits = stackalloc byte[32];
        var count = 0;
        var negative = false;
        var pointPosition = -1;
        var exponent = 0;
        var i = 0;
        if (text[0] == '-')
        {
            negative = true;
            i = 1;
        }
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.') pointPosition = count;
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(text[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else digits[count++] = (byte)c;
        }
        if (pointPosition < 0) pointPosition = count;
        // Normalise to digits d1d2… with value 0.d1d2… × 10^(decimalExponent).
        var start = 0;
        while (start < count - 1 && digits[start] == '0')
        {
            start++;
            pointPosition--;
        }
        var end = count;
        while (end > start + 1 && digits[end - 1] == '0') end--;
        var significant = digits[start..end];
        if (significant.Length == 1 && significant[0] == '0')
        {
            if (negative) output.Write((byte)'-');
            output.Write("0.0"u8);
            return;
        }
        var pointAfter = pointPosition + exponent; // digits before the decimal point
        var scientificExponent = pointAfter - 1;
        if (negative) output.Write((byte)'-');
        if (scientificExponent is >= -5 and <= 9)
        {
            if (pointAfter <= 0)
            {
                output.Write("0."u8);
                for (var z = 0; z < -pointAfter; z++) output.Write((byte)'0');
                output.Write(significant);
            }
            else if (pointAfter >= significant.Length)
            {
                output.Write(significant);
                for (var z = significant.Length; z < pointAfter; z++) output.Write((byte)'0');
                output.Write(".0"u8);
            }
            else
            {
                output.Write(significant[..pointAfter]);
                output.Write((byte)'.');
                output.Write(significant[pointAfter..]);
            }
            return;
        }
        output.Write(significant[0]);
        output.Write((byte)'.');
        if (significant.Length > 1) output.Write(significant[1..]);
        else output.Write((byte)'0');
        output.Write((byte)'e');
        WriteInt64(output, scientificExponent);
    }
}
