using Arroyo.Core.Columns;

namespace Arroyo.Operators.Grouping;

/// <summary>Compares rows of one column (nulls handled by the caller's sort order).</summary>
internal static class RowComparer
{
    public static int Compare(Column column, int a, int b, bool nullsFirst)
    {
        var nullA = column.IsNull(a);
        var nullB = column.IsNull(b);
        if (nullA || nullB)
        {
            if (nullA && nullB) return 0;
            return nullA == nullsFirst ? -1 : 1;
        }
        return column switch
        {
            PrimitiveColumn<long> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<ulong> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<int> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<uint> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<short> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<ushort> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<sbyte> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<byte> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<bool> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<double> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<float> c => c.Values[a].CompareTo(c.Values[b]),
            PrimitiveColumn<decimal> c => c.Values[a].CompareTo(c.Values[b]),
            StringColumn s => s.GetBytes(a).SequenceCompareTo(s.GetBytes(b)),
            StructColumn st => CompareStruct(st, a, b, nullsFirst),
            _ => 0,
        };
    }

    private static int CompareStruct(StructColumn st, int a, int b, bool nullsFirst)
    {
        foreach (var child in st.Children)
        {
            var c = Compare(child, a, b, nullsFirst);
            if (c != 0) return c;
        }
        return 0;
    }
}
