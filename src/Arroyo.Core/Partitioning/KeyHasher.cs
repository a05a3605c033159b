using System.IO.Hashing;
using System.Runtime.InteropServices;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Core.Partitioning;

/// <summary>
/// Hashes the key columns of every row to a 64-bit value. The hash decides which subtask
/// owns a key (see <see cref="KeyRange"/>) both when data is shuffled and when state is
/// restored, so it must be stable across processes and versions: never use
/// string.GetHashCode or HashCode here.
/// </summary>
public static class KeyHasher
{
    private const ulong Seed = 0x5851F42D4C957F2DUL;

    /// <summary>Fills <paramref name="hashes"/> (length ≥ row count) with the hash of each row's key columns.</summary>
    public static void HashRows(Batch batch, ReadOnlySpan<int> keyColumns, Span<ulong> hashes)
    {
        var rows = batch.RowCount;
        hashes[..rows].Fill(Seed);
        foreach (var c in keyColumns) CombineColumn(batch.Columns[c], hashes[..rows]);
        for (var i = 0; i < rows; i++) hashes[i] = Finish(hashes[i]);
    }

    /// <summary>Hash of one string key (e.g. a source split name), consistent with <see cref="HashRows"/> of a single text column.</summary>
    public static ulong HashString(string key)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(key);
        return Finish(Mix(Seed, XxHash3.HashToUInt64(bytes)));
    }

    /// <summary>The hash <see cref="HashRows"/> gives a row whose only key column is a 64-bit integer (BIGINT, TIMESTAMP, TIME).</summary>
    public static ulong HashInt64(long value, bool isNull) =>
        Finish(Mix(Seed, isNull ? 0UL : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(in value)))));

    /// <summary>The hash <see cref="HashRows"/> gives every row when there are no key columns.</summary>
    public static ulong HashNoColumns() => Finish(Seed);

    private static void CombineColumn(Column column, Span<ulong> hashes)
    {
        switch (column)
        {
            case StringColumn s:
                for (var i = 0; i < hashes.Length; i++)
                {
                    hashes[i] = Mix(hashes[i], s.IsNull(i) ? 0 : XxHash3.HashToUInt64(s.GetBytes(i)));
                }
                break;
            case PrimitiveColumn<long> l: CombinePrimitive(l, hashes); break;
            case PrimitiveColumn<ulong> ul: CombinePrimitive(ul, hashes); break;
            case PrimitiveColumn<int> n: CombinePrimitive(n, hashes); break;
            case PrimitiveColumn<uint> un: CombinePrimitive(un, hashes); break;
            case PrimitiveColumn<short> sh: CombinePrimitive(sh, hashes); break;
            case PrimitiveColumn<ushort> ush: CombinePrimitive(ush, hashes); break;
            case PrimitiveColumn<sbyte> sb: CombinePrimitive(sb, hashes); break;
            case PrimitiveColumn<byte> b: CombinePrimitive(b, hashes); break;
            case PrimitiveColumn<bool> bo: CombinePrimitive(bo, hashes); break;
            case PrimitiveColumn<double> d: CombinePrimitive(d, hashes); break;
            case PrimitiveColumn<float> f: CombinePrimitive(f, hashes); break;
            case PrimitiveColumn<decimal> m: CombinePrimitive(m, hashes); break;
            case PrimitiveColumn<IntervalValue> iv: CombinePrimitive(iv, hashes); break;
            case StructColumn st:
                foreach (var child in st.Children) CombineColumn(child, hashes);
                break;
            default:
                // Lists and other nested kinds: hash the boxed text form (cold path, rare as keys).
                for (var i = 0; i < hashes.Length; i++)
                {
                    var text = column.IsNull(i) ? "" : FormatNested(column.GetValue(i));
                    hashes[i] = Mix(hashes[i], XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(text)));
                }
                break;
        }
    }

    private static void CombinePrimitive<T>(PrimitiveColumn<T> column, Span<ulong> hashes) where T : unmanaged
    {
        var values = column.Span;
        for (var i = 0; i < hashes.Length; i++)
        {
            var value = values[i];
            var h = column.IsNull(i) ? 0UL : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));
            hashes[i] = Mix(hashes[i], h);
        }
    }

    private static string FormatNested(object? value) => value switch
    {
        null => "null",
        object?[] items => "[" + string.Join(",", items.Select(FormatNested)) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    private static ulong Mix(ulong h, ulong v) => (h ^ v) * 0x9E3779B97F4A7C15UL + (h >> 29);

    // Final avalanche (splitmix64) so that range partitioning sees uniformly spread values.
    private static ulong Finish(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
