using Arroyo.Core.Types;

namespace Arroyo.Expressions.Kernels;

/// <summary>Orders boxed values (Column.GetValue representation); NULL sorts first. For cold paths only.</summary>
internal sealed class ValueComparer : IComparer<object?>, IEqualityComparer<object?>
{
    public static readonly ValueComparer Instance = new();

    public int Compare(object? a, object? b)
    {
        if (a is null) return b is null ? 0 : -1;
        if (b is null) return 1;
        switch (a)
        {
            case string sa when b is string sb:
                return string.CompareOrdinal(sa, sb);
            case IntervalValue ia when b is IntervalValue ib:
                var c = ia.Months.CompareTo(ib.Months);
                if (c != 0) return c;
                c = ia.Days.CompareTo(ib.Days);
                return c != 0 ? c : ia.Nanoseconds.CompareTo(ib.Nanoseconds);
            case object?[] la when b is object?[] lb:
                for (var i = 0; i < Math.Min(la.Length, lb.Length); i++)
                {
                    var e = Compare(la[i], lb[i]);
                    if (e != 0) return e;
                }
                return la.Length.CompareTo(lb.Length);
            case byte[] ba when b is byte[] bb:
                return ba.AsSpan().SequenceCompareTo(bb);
            case IComparable ca when a.GetType() == b.GetType():
                return ca.CompareTo(b);
            default:
                return Convert.ToDouble(a).CompareTo(Convert.ToDouble(b));
        }
    }

    public new bool Equals(object? a, object? b) => Compare(a, b) == 0;

    public int GetHashCode(object? obj) => obj switch
    {
        null => 0,
        object?[] list => list.Aggregate(17, (h, e) => h * 31 + GetHashCode(e)),
        byte[] bytes => bytes.Length,
        _ => obj.GetHashCode(),
    };
}
