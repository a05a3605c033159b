using System.Buffers;
using System.Numerics;
using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary>Reads any numeric column as a span of one numeric type (pooled buffer; Return when done).</summary>
internal static class NumericInput
{
    public static T[] Rent<T>(Column column) where T : unmanaged, INumberBase<T>
    {
        var result = ArrayPool<T>.Shared.Rent(Math.Max(1, column.Length));
        var n = column.Length;
        switch (column)
        {
            case PrimitiveColumn<T> same: same.Span.CopyTo(result); break;
            case PrimitiveColumn<long> c: Convert(c.Span, result); break;
            case PrimitiveColumn<int> c: Convert(c.Span, result); break;
            case PrimitiveColumn<short> c: Convert(c.Span, result); break;
            case PrimitiveColumn<sbyte> c: Convert(c.Span, result); break;
            case PrimitiveColumn<ulong> c: Convert(c.Span, result); break;
            case PrimitiveColumn<uint> c: Convert(c.Span, result); break;
            case PrimitiveColumn<ushort> c: Convert(c.Span, result); break;
            case PrimitiveColumn<byte> c: Convert(c.Span, result); break;
            case PrimitiveColumn<double> c: Convert(c.Span, result); break;
            case PrimitiveColumn<float> c: Convert(c.Span, result); break;
            case PrimitiveColumn<decimal> c: Convert(c.Span, result); break;
            case PrimitiveColumn<bool> c:
                for (var i = 0; i < n; i++) result[i] = c.Values[i] ? T.One : T.Zero;
                break;
            case NullColumn: Array.Clear(result, 0, n); break;
            default: throw new InvalidOperationException($"aggregate over non-numeric column {column.Type} (this is a bug)");
        }
        return result;
    }

    public static void Return<T>(T[] buffer) => ArrayPool<T>.Shared.Return(buffer);

    private static void Convert<TFrom, T>(ReadOnlySpan<TFrom> from, T[] to) where TFrom : INumberBase<TFrom> where T : INumberBase<T>
    {
        for (var i = 0; i < from.Length; i++) to[i] = T.CreateTruncating(from[i]);
    }
}
