using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Functions.ArraySignature;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Array functions that return a rearranged or edited copy: sort, slice, reverse, replace,
/// remove, repeat, resize, pop. Positions are 1-based and negative ones count from the end,
/// as DataFusion's; element equality treats NULL as equal to NULL (DataFusion compares rows).
/// </summary>
internal static class ArrayEditFunctions
{
    private static readonly Func<DataType, DataType> SameList = t => t;

    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("array_sort", "array_sort(ARRAY[, TEXT[, TEXT]])", Bind("array_sort", "LTT", SameList, minArgs: 1), Fn.Rows(a => Sort(a), nullsIn: false));
        r.AddCustom("array_reverse", "array_reverse(ARRAY)", Bind("array_reverse", "L", SameList), Fn.Rows(a => List(a[0]).Reverse().ToArray()));
        r.AddCustom("array_slice", "array_slice(ARRAY, BIGINT, BIGINT[, BIGINT])", Bind("array_slice", "LIII", SameList, minArgs: 3),
            Fn.Rows(a => Slice(List(a[0]), (long)a[1]!, (long)a[2]!, a.Length > 3 ? (long)a[3]! : 1)));
        r.AddCustom("array_replace", "array_replace(ARRAY, ELEMENT, ELEMENT)", Bind("array_replace", "LEE", SameList),
            Fn.Rows(a => a[0] is null ? null : Replace(List(a[0]), a[1], a[2], 1), nullsIn: true));
        r.AddCustom("array_replace_n", "array_replace_n(ARRAY, ELEMENT, ELEMENT, BIGINT)", Bind("array_replace_n", "LEEI", SameList),
            Fn.Rows(a => a[0] is null || a[3] is null ? null : Replace(List(a[0]), a[1], a[2], (long)a[3]!), nullsIn: true));
        r.AddCustom("array_replace_all", "array_replace_all(ARRAY, ELEMENT, ELEMENT)", Bind("array_replace_all", "LEE", SameList),
            Fn.Rows(a => a[0] is null ? null : Replace(List(a[0]), a[1], a[2], long.MaxValue), nullsIn: true));
        r.AddCustom("array_remove_n", "array_remove_n(ARRAY, ELEMENT, BIGINT)", Bind("array_remove_n", "LEI", SameList),
            Fn.Rows(a => a[0] is null || a[2] is null ? null : Remove(List(a[0]), a[1], (long)a[2]!), nullsIn: true));
        r.AddCustom("array_remove_all", "array_remove_all(ARRAY, ELEMENT)", Bind("array_remove_all", "LE", SameList),
            Fn.Rows(a => a[0] is null ? null : Remove(List(a[0]), a[1], long.MaxValue), nullsIn: true));
        r.AddCustom("array_repeat", "array_repeat(ELEMENT, BIGINT)", Bind("array_repeat", "EI", SameList),
            Fn.Rows(a => a[1] is null ? null : Enumerable.Repeat(a[0], (int)Math.Clamp((long)a[1]!, 0, int.MaxValue)).ToArray(), nullsIn: true));
        r.AddCustom("array_resize", "array_resize(ARRAY, BIGINT[, ELEMENT])", Bind("array_resize", "LIE", SameList, minArgs: 2),
            Fn.Rows(a => a[0] is null || a[1] is null ? null : Resize(List(a[0]), (long)a[1]!, a.Length > 2 ? a[2] : null), nullsIn: true));
        r.AddCustom("array_pop_front", "array_pop_front(ARRAY)", Bind("array_pop_front", "L", SameList), Fn.Rows(a => List(a[0]).Skip(1).ToArray()));
        r.AddCustom("array_pop_back", "array_pop_back(ARRAY)", Bind("array_pop_back", "L", SameList), Fn.Rows(a => List(a[0]).SkipLast(1).ToArray()));
        r.AddCustom("trim_array", "trim_array(ARRAY, BIGINT)", Bind("trim_array", "LI", SameList),
            Fn.Rows(a => List(a[0]).SkipLast((int)Math.Clamp((long)a[1]!, 0, int.MaxValue)).ToArray()));
        r.AddCustom("array_fill", "array_fill(ELEMENT, ARRAY)", (_, span) =>
            throw new Arroyo.Core.Errors.UserException("array_fill was removed from DataFusion (the reference's SQL engine) before version 48; use array_repeat(element, count)", span),
            (_, _) => throw new Arroyo.Core.Errors.UserException("array_fill is not supported; use array_repeat"));
        r.AddCustom("array_positions", "array_positions(ARRAY, ELEMENT)", Bind("array_positions", "LE", _ => DataType.List(DataType.UInt64)),
            Fn.Rows(a => a[0] is null ? null : Positions(List(a[0]), a[1]), nullsIn: true));
    }

    internal static object?[] List(object? value) => (object?[])value!;

    private static object?[] Sort(object?[] a)
    {
        var descending = a.Length > 1 && Keyword((string)a[1]!, "ASC", "DESC", "array_sort: the sort order");
        // DataFusion sorts NULLs first unless told otherwise, in either direction.
        var nullsFirst = a.Length <= 2 || !Keyword((string)a[2]!, "NULLS FIRST", "NULLS LAST", "array_sort: the NULL order");
        var values = List(a[0]).Where(v => v is not null).ToList();
        values.Sort(ValueComparer.Instance);
        if (descending) values.Reverse();
        var nulls = Enumerable.Repeat<object?>(null, List(a[0]).Length - values.Count);
        return (nullsFirst ? nulls.Concat(values) : values.Concat(nulls)).ToArray();
    }

    /// <summary>False for <paramref name="no"/>, true for <paramref name="yes"/> (case-insensitive); anything else is an error.</summary>
    private static bool Keyword(string value, string no, string yes, string what)
    {
        if (string.Equals(value, yes, StringComparison.OrdinalIgnoreCase)) return true;
        if (string.Equals(value, no, StringComparison.OrdinalIgnoreCase)) return false;
        throw new DataException($"{what} must be '{no}' or '{yes}', got '{value}'");
    }

    /// <summary>
    /// DataFusion's array_slice: <paramref name="from"/> and <paramref name="to"/> are 1-based and
    /// inclusive, 0 reads as 1, negative counts from the end; a negative stride walks backwards
    /// from <paramref name="from"/> down to <paramref name="to"/>. Out-of-range bounds are clamped.
    /// </summary>
    internal static object?[] Slice(object?[] list, long from, long to, long stride)
    {
        if (stride == 0) throw new DataException("array_slice: the stride cannot be 0");
        long n = list.Length;
        if (n == 0) return [];
        var start = from < 0 ? n + from : Math.Max(from, 1) - 1;
        var end = to < 0 ? n + to : Math.Min(to, n) - 1;
        var result = new List<object?>();
        if (stride > 0)
        {
            start = Math.Max(start, 0);
            for (var i = start; i <= end && i < n; i += stride) result.Add(list[i]);
        }
        else
        {
            start = Math.Min(start, n - 1);
            end = Math.Max(end, 0);
            for (var i = start; i >= end && i >= 0; i += stride) result.Add(list[i]);
        }
        return result.ToArray();
    }

    private static object?[] Replace(object?[] list, object? from, object? to, long count)
    {
        var result = (object?[])list.Clone();
        for (var i = 0; i < result.Length && count > 0; i++)
        {
            if (ValueComparer.Instance.Compare(result[i], from) != 0) continue;
            result[i] = to;
            count--;
        }
        return result;
    }

    internal static object?[] Remove(object?[] list, object? element, long count)
    {
        var result = new List<object?>(list.Length);
        foreach (var e in list)
        {
            if (count > 0 && ValueComparer.Instance.Compare(e, element) == 0) count--;
            else result.Add(e);
        }
        return result.ToArray();
    }

    private static object?[] Resize(object?[] list, long size, object? fill)
    {
        if (size < 0) throw new DataException($"array_resize: the new size must not be negative, got {size}");
        if (size > 10_000_000) throw new DataException($"array_resize: the new size {size} is too large");
        var result = new object?[size];
        Array.Copy(list, result, Math.Min(list.Length, size));
        for (var i = list.Length; i < size; i++) result[i] = fill;
        return result;
    }

    private static object?[] Positions(object?[] list, object? element)
    {
        var result = new List<object?>();
        for (var i = 0; i < list.Length; i++) if (ValueComparer.Instance.Compare(list[i], element) == 0) result.Add((ulong)(i + 1));
        return result.ToArray();
    }
}
