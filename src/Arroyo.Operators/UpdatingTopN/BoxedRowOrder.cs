using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;

namespace Arroyo.Operators.UpdatingTopN;

/// <summary>
/// The order of a top-N partition's rows (boxed, as <c>Column.GetValue</c> returns them): the
/// ORDER BY columns, then every column ascending as a tie-break, so that equal-ranked rows get
/// the same numbers however and wherever they arrived.
/// </summary>
internal sealed class BoxedRowOrder : IComparer<object?[]>
{
    private readonly (int Column, bool Descending, bool NullsFirst)[] _keys;

    /// <param name="rowColumns">Input column index of each slot of a stored row.</param>
    public BoxedRowOrder(IReadOnlyList<SortColumn> orderBy, IReadOnlyList<int> rowColumns)
    {
        _keys = orderBy.Select(o => (rowColumns.ToList().IndexOf(o.Column), o.Descending, o.EffectiveNullsFirst)).ToArray();
        KeySlots = _keys.Select(k => k.Column).ToArray();
        Width = rowColumns.Count;
    }

    public int Width { get; }

    /// <summary>The slots of a stored row that <see cref="CompareKeys"/> reads.</summary>
    public int[] KeySlots { get; }

    public int Compare(object?[]? a, object?[]? b)
    {
        var c = CompareKeys(a!, b!);
        if (c != 0) return c;
        for (var i = 0; i < Width; i++)
        {
            c = CompareValues(a![i], b![i], nullsFirst: true);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <summary>Compares the ORDER BY columns only (ties of RANK and DENSE_RANK).</summary>
    public int CompareKeys(object?[] a, object?[] b)
    {
        foreach (var (column, descending, nullsFirst) in _keys)
        {
            var x = a[column];
            var y = b[column];
            if (x is null || y is null)
            {
                if (x is null && y is null) continue;
                // Where NULLs go does not flip with DESC.
                return x is null == nullsFirst ? -1 : 1;
            }
            var c = CompareValues(x, y, nullsFirst);
            if (c != 0) return descending ? -c : c;
        }
        return 0;
    }

    public static bool RowEquals(object?[] a, object?[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (CompareValues(a[i], b[i], nullsFirst: true) != 0) return false;
        }
        return true;
    }

    private static int CompareValues(object? a, object? b, bool nullsFirst)
    {
        if (a is null || b is null)
        {
            if (a is null && b is null) return 0;
            return a is null == nullsFirst ? -1 : 1;
        }
        switch (a)
        {
            // UTF-8 byte order, as the engine's other sorts (RowComparer) compare strings.
            case string sa when b is string sb:
                return CompareUtf8(sa, sb);
            case byte[] ba when b is byte[] bb:
                return ba.AsSpan().SequenceCompareTo(bb);
            case object?[] la when b is object?[] lb:
                for (var i = 0; i < Math.Min(la.Length, lb.Length); i++)
                {
                    var e = CompareValues(la[i], lb[i], nullsFirst);
                    if (e != 0) return e;
                }
                return la.Length.CompareTo(lb.Length);
            case IntervalValue ia when b is IntervalValue ib:
                var c = ia.Months.CompareTo(ib.Months);
                if (c != 0) return c;
                c = ia.Days.CompareTo(ib.Days);
                return c != 0 ? c : ia.Nanoseconds.CompareTo(ib.Nanoseconds);
            case IComparable ca when a.GetType() == b.GetType():
                return ca.CompareTo(b);
            default:
                return string.CompareOrdinal(a.ToString(), b.ToString());
        }
    }

    private static int CompareUtf8(string a, string b)
    {
        // Ordinal UTF-16 order equals UTF-8 byte order except around surrogates; only then encode.
        var c = string.CompareOrdinal(a, b);
        if (c == 0 || (!HasSurrogate(a) && !HasSurrogate(b))) return c;
        return System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
    }

    private static bool HasSurrogate(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;
}
