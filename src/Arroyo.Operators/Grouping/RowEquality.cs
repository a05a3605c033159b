using System.Runtime.InteropServices;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// Whether two rows (of possibly different columns of one type) hold the same key value, with
/// the same meaning as comparing their <see cref="KeyCodec"/> encodings: NULL equals NULL,
/// and values are equal when their bits are (so NaN equals NaN, and 0.0 differs from -0.0).
/// </summary>
internal static class RowEquality
{
    public static bool Equal(Column a, int rowA, Column b, int rowB)
    {
        var nullA = a.IsNull(rowA);
        if (nullA != b.IsNull(rowB)) return false;
        if (nullA) return true;
        return (a, b) switch
        {
            (PrimitiveColumn<long> x, PrimitiveColumn<long> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<int> x, PrimitiveColumn<int> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<double> x, PrimitiveColumn<double> y) => BitConverter.DoubleToInt64Bits(x.Values[rowA]) == BitConverter.DoubleToInt64Bits(y.Values[rowB]),
            (StringColumn x, StringColumn y) => x.GetBytes(rowA).SequenceEqual(y.GetBytes(rowB)),
            (PrimitiveColumn<ulong> x, PrimitiveColumn<ulong> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<uint> x, PrimitiveColumn<uint> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<short> x, PrimitiveColumn<short> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<ushort> x, PrimitiveColumn<ushort> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<sbyte> x, PrimitiveColumn<sbyte> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<byte> x, PrimitiveColumn<byte> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<bool> x, PrimitiveColumn<bool> y) => x.Values[rowA] == y.Values[rowB],
            (PrimitiveColumn<float> x, PrimitiveColumn<float> y) => BitConverter.SingleToInt32Bits(x.Values[rowA]) == BitConverter.SingleToInt32Bits(y.Values[rowB]),
            (PrimitiveColumn<decimal> x, PrimitiveColumn<decimal> y) => SameBits(x.Values[rowA], y.Values[rowB]),
            (PrimitiveColumn<IntervalValue> x, PrimitiveColumn<IntervalValue> y) => SameBits(x.Values[rowA], y.Values[rowB]),
            (StructColumn x, StructColumn y) => StructEqual(x, rowA, y, rowB),
            (ListColumn x, ListColumn y) => ListEqual(x, rowA, y, rowB),
            (NullColumn, NullColumn) => true,
            _ => throw new InvalidOperationException($"cannot compare key columns of {a.GetType().Name} and {b.GetType().Name}"),
        };
    }

    /// <summary>Equal on every one of the key columns.</summary>
    public static bool Equal(Column[] a, int rowA, Column[] b, int rowB)
    {
        for (var c = 0; c < a.Length; c++)
        {
            if (!Equal(a[c], rowA, b[c], rowB)) return false;
        }
        return true;
    }

    private static bool SameBits<T>(T x, T y) where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in x)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in y)));

    private static bool StructEqual(StructColumn x, int rowA, StructColumn y, int rowB)
    {
        for (var c = 0; c < x.Children.Length; c++)
        {
            if (!Equal(x.Children[c], rowA, y.Children[c], rowB)) return false;
        }
        return true;
    }

    private static bool ListEqual(ListColumn x, int rowA, ListColumn y, int rowB)
    {
        var count = x.ElementCount(rowA);
        if (count != y.ElementCount(rowB)) return false;
        var startA = x.Offsets[rowA];
        var startB = y.Offsets[rowB];
        for (var i = 0; i < count; i++)
        {
            if (!Equal(x.Values, startA + i, y.Values, startB + i)) return false;
        }
        return true;
    }
}
