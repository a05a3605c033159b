using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions.Strings;

/// <summary>
/// split_part(text, delimiter, n) over the UTF-8 bytes: the n-th field (1-based; negative
/// counts from the end) between occurrences of the delimiter, empty when there is no such
/// field, the whole text for an empty delimiter. Searching bytes finds the same fields as
/// searching chars because a UTF-8 sequence never matches inside another one.
/// </summary>
internal static class SplitPart
{
    public static ScalarKernelFactory Factory => (_, ret) => Fn.Kernel((args, n) =>
    {
        if (args[0] is not StringColumn text || args[1] is not StringColumn delimiter || args[2] is not PrimitiveColumn<long> part)
        {
            return NullColumns.Of(ret, n);
        }
        var builder = new StringColumnBuilder(ret, n);
        var positions = part.Values;
        for (var i = 0; i < n; i++)
        {
            if (!text.IsValid(i) || !delimiter.IsValid(i) || !part.IsValid(i)) builder.AppendNull();
            else builder.Append(Field(text.GetBytes(i), delimiter.GetBytes(i), positions[i]));
        }
        return builder.Build();
    });

    public static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> text, ReadOnlySpan<byte> delimiter, long n)
    {
        if (n == 0) throw new DataException("field position must not be zero");
        if (delimiter.IsEmpty) return n is 1 or -1 ? text : [];
        if (n > 0)
        {
            // Skip n - 1 delimiters from the left; the field ends at the next one or the end.
            for (var k = 1L; k < n; k++)
            {
                var at = text.IndexOf(delimiter);
                if (at < 0) return [];
                text = text[(at + delimiter.Length)..];
            }
            var end = text.IndexOf(delimiter);
            return end < 0 ? text : text[..end];
        }
        for (var k = -1L; k > n; k--)
        {
            var at = text.LastIndexOf(delimiter);
            if (at < 0) return [];
            text = text[..at];
        }
        var start = text.LastIndexOf(delimiter);
        return start < 0 ? text : text[(start + delimiter.Length)..];
    }
}
