using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Casts;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions;

/// <summary>Array functions (1-based positions, as DataFusion). Row-wise over boxed element arrays.</summary>
internal static class ArrayFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("make_array", "make_array(ANY, ...)", (args, span) =>
        {
            if (args.Count == 0) return ([], DataType.List(DataType.Int64));
            var (cast, element) = Unify(args, "make_array", span);
            return (cast, DataType.List(element));
        }, Fn.Rows(a => a.ToArray(), nullsIn: true));
        r.Alias("array", "make_array");
        r.AddCustom("array_length", "array_length(ARRAY)", ListThen(1, _ => DataType.Int64), Fn.Rows(a => (long)((object?[])a[0]!).Length));
        r.AddCustom("array_element", "array_element(ARRAY, BIGINT)", (args, span) =>
        {
            var list = RequireList(args, 2, "array_element", span);
            return ([list, Coercion.CastTo(args[1], DataType.Int64)], list.Type.Element!);
        }, Fn.Rows(a => Element((object?[])a[0]!, (long)a[1]!)));
        r.Alias("array_extract", "array_element");
        r.AddCustom("array_has", "array_has(ARRAY, ANY)", ElementArg(_ => DataType.Boolean), Fn.Rows(a => ((object?[])a[0]!).Any(e => ValueComparer.Instance.Compare(e, a[1]) == 0)));
        r.Alias("array_contains", "array_has");
        r.AddCustom("array_position", "array_position(ARRAY, ANY)", ElementArg(_ => DataType.Int64), Fn.Rows(a =>
        {
            var list = (object?[])a[0]!;
            for (var i = 0; i < list.Length; i++) if (ValueComparer.Instance.Compare(list[i], a[1]) == 0) return (long)(i + 1);
            return null;
        }));
        r.Alias("array_indexof", "array_position");
        r.AddCustom("array_append", "array_append(ARRAY, ANY)", ElementArg(t => t), Fn.Rows(a => a[0] is object?[] l ? l.Append(a[1]).ToArray() : new[] { a[1] }, nullsIn: true));
        r.AddCustom("array_prepend", "array_prepend(ANY, ARRAY)", (args, span) =>
        {
            var (cast, t) = ElementArg(x => x)([args[1], args[0]], span);
            return ([cast[1], cast[0]], t);
        }, Fn.Rows(a => a[1] is object?[] l ? l.Prepend(a[0]).ToArray() : new[] { a[0] }, nullsIn: true));
        r.AddCustom("array_concat", "array_concat(ARRAY, ...)", (args, span) =>
        {
            if (args.Count == 0 || args.Any(a => a.Type.Kind is not (TypeKind.List or TypeKind.Null))) throw WrongArgs("array_concat", "array_concat(ARRAY, ...)", args, span);
            var type = Coercion.CommonType(args.Select(a => a.Type)) ?? throw WrongArgs("array_concat", "array_concat(ARRAY, ...)", args, span);
            return (args.Select(a => Coercion.CastTo(a, type)).ToArray(), type);
        }, Fn.Rows(a => a.OfType<object?[]>().SelectMany(x => x).ToArray(), nullsIn: true));
        r.Alias("array_cat", "array_concat");
        r.AddCustom("array_remove", "array_remove(ARRAY, ANY)", ElementArg(t => t), Fn.Rows(a =>
        {
            var list = ((object?[])a[0]!).ToList();
            var i = list.FindIndex(e => ValueComparer.Instance.Compare(e, a[1]) == 0);
            if (i >= 0) list.RemoveAt(i);
            return list.ToArray();
        }));
        // DataFusion dedups through sorted rows, so the result comes out sorted (NULL first).
        r.AddCustom("array_distinct", "array_distinct(ARRAY)", ListThen(1, t => t), Fn.Rows(a => ((object?[])a[0]!).Distinct(ValueComparer.Instance).Order(ValueComparer.Instance).ToArray()));
        r.AddCustom("array_to_string", "array_to_string(ARRAY, TEXT[, TEXT])", (args, span) =>
        {
            if (args.Count is < 2 or > 3) throw WrongArgs("array_to_string", "array_to_string(ARRAY, TEXT[, TEXT])", args, span);
            var list = RequireList(args, args.Count, "array_to_string", span);
            return ([list, .. args.Skip(1).Select(a => Coercion.CastTo(a, DataType.Utf8))], DataType.Utf8);
        }, (bound, ret) =>
        {
            var element = bound[0].Type.Element!;
            return Fn.Kernel((args, n) => RowKernel.Run(args, n, a => string.Join((string)a[1]!,
                Leaves((object?[])a[0]!, element).Select(e => e.Value is null ? a.Length > 2 ? a[2] as string : null : ElementText(e.Value, e.Type)).Where(s => s is not null)), ret, true));
        });
        ArrayEditFunctions.Register(r);
        ArraySetFunctions.Register(r);
        ArrayShapeFunctions.Register(r);
        foreach (var (name, aliases) in s_aliases)
        {
            foreach (var alias in aliases) r.Alias(alias, name);
        }
    }

    /// <summary>DataFusion's other names for its array functions (the list_* spellings and a few more).</summary>
    private static readonly (string Name, string[] Aliases)[] s_aliases =
    [
        ("make_array", ["make_list"]),
        ("array_append", ["array_push_back", "list_append", "list_push_back"]),
        ("array_prepend", ["array_push_front", "list_prepend", "list_push_front"]),
        ("array_concat", ["list_concat", "list_cat"]),
        ("array_has", ["list_has"]),
        ("array_has_all", ["list_has_all"]),
        ("array_has_any", ["list_has_any", "arrays_overlap"]),
        ("array_dims", ["list_dims"]),
        ("array_ndims", ["list_ndims"]),
        ("array_distinct", ["list_distinct"]),
        ("array_element", ["list_element", "list_extract"]),
        ("array_intersect", ["list_intersect"]),
        ("array_union", ["list_union"]),
        ("array_except", ["list_except"]),
        ("array_length", ["list_length"]),
        ("array_pop_front", ["list_pop_front"]),
        ("array_pop_back", ["list_pop_back"]),
        ("array_position", ["list_position", "list_indexof"]),
        ("array_positions", ["list_positions"]),
        ("array_remove", ["list_remove"]),
        ("array_remove_n", ["list_remove_n"]),
        ("array_remove_all", ["list_remove_all"]),
        ("array_repeat", ["list_repeat"]),
        ("array_replace", ["list_replace"]),
        ("array_replace_n", ["list_replace_n"]),
        ("array_replace_all", ["list_replace_all"]),
        ("array_resize", ["list_resize"]),
        ("array_reverse", ["list_reverse"]),
        ("array_slice", ["list_slice"]),
        ("array_sort", ["list_sort"]),
        ("array_to_string", ["array_join", "list_to_string", "list_join"]),
        ("empty", ["array_empty", "list_empty"]),
        ("string_to_array", ["string_to_list"]),
        ("array_distance", ["list_distance"]),
        ("array_max", ["list_max"]),
        ("array_min", ["list_min"]),
        ("array_any_value", ["list_any_value"]),
    ];

    /// <summary>The non-list values of a nested array, depth first: array_to_string joins them all (DataFusion).</summary>
    private static IEnumerable<(object? Value, DataType Type)> Leaves(object?[] list, DataType element)
    {
        foreach (var e in list)
        {
            if (element.Kind == TypeKind.List)
            {
                if (e is object?[] inner) foreach (var leaf in Leaves(inner, element.Element!)) yield return leaf;
            }
            else yield return (e, element);
        }
    }

    internal static string ElementText(object e, DataType type) => e is string s ? s : TextFormat.FormatNested(e, type);

    internal static object? Element(object?[] list, long index)
    {
        var i = index > 0 ? index - 1 : list.Length + index;
        return index != 0 && i >= 0 && i < list.Length ? list[i] : null;
    }

    internal static UserException WrongArgs(string name, string signature, IReadOnlyList<BoundExpr> args, SourceSpan span) =>
        new($"no signature of function '{name}' accepts ({string.Join(", ", args.Select(a => a.Type))}); accepted: {signature}", span);

    internal static BoundExpr RequireList(IReadOnlyList<BoundExpr> args, int count, string name, SourceSpan span)
    {
        if (args.Count != count || args[0].Type.Kind != TypeKind.List) throw WrongArgs(name, $"{name}(ARRAY{string.Concat(Enumerable.Repeat(", ANY", count - 1))})", args, span);
        return args[0];
    }

    internal static FunctionRegistry.CustomBinder ListThen(int count, Func<DataType, DataType> ret) => (args, span) =>
    {
        var list = RequireList(args, count, "array function", span);
        return ([list], ret(list.Type));
    };

    /// <summary>(ARRAY, element): the element is cast to the array's element type (or both widened).</summary>
    internal static FunctionRegistry.CustomBinder ElementArg(Func<DataType, DataType> ret) => (args, span) =>
    {
        if (args.Count != 2 || args[0].Type.Kind is not (TypeKind.List or TypeKind.Null)) throw WrongArgs("array function", "f(ARRAY, ANY)", args, span);
        var element = args[0].Type.Kind == TypeKind.List ? args[0].Type.Element! : args[1].Type;
        var common = Coercion.CommonType(element, args[1].Type) ?? throw WrongArgs("array function", "f(ARRAY, ANY)", args, span);
        var listType = DataType.List(common);
        return ([Coercion.CastTo(args[0], listType), Coercion.CastTo(args[1], common)], ret(listType));
    };

    internal static (BoundExpr[] Args, DataType Element) Unify(IReadOnlyList<BoundExpr> args, string name, SourceSpan span)
    {
        var type = Coercion.CommonType(args.Select(a => a.Type))
                   ?? throw new UserException($"{name}: elements of types {string.Join(", ", args.Select(a => a.Type).Distinct())} have no common type", span);
        if (type.Kind == TypeKind.Null) type = DataType.Int64;
        return (args.Select(a => Coercion.CastTo(a, type)).ToArray(), type);
    }
}
