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
        r.Alias("cardinality", "array_length");
        r.AddCustom("array_element", "array_element(ARRAY, BIGINT)", (args, span) =>
        {
            var list = RequireList(args, 2, "array_element", span);
            return ([list, Coercion.CastTo(args[1], DataType.Int64)], list.Type.Element!);
        }, Fn.Rows(a => Element((object?[])a[0]!, (long)a[1]!)));
        r.Alias("array_extract", "array_element");
        r.AddCustom("array_has", "array_has(ARRAY, ANY)", ElementArg(_ => DataType.Boolean), Fn.Rows(a => ((object?[])a[0]!).Any(e => ValueComparer.Instance.Compare(e, a[1]) == 0)));
        r.Alias("array_contains", "array_has");
        r.Alias("list_has", "array_has");
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
        r.AddCustom("array_distinct", "array_distinct(ARRAY)", ListThen(1, t => t), Fn.Rows(a => ((object?[])a[0]!).Distinct(ValueComparer.Instance).ToArray()));
        r.AddCustom("array_to_string", "array_to_string(ARRAY, TEXT[, TEXT])", (args, span) =>
        {
            if (args.Count is < 2 or > 3) throw WrongArgs("array_to_string", "array_to_string(ARRAY, TEXT[, TEXT])", args, span);
            var list = RequireList(args, args.Count, "array_to_string", span);
            return ([list, .. args.Skip(1).Select(a => Coercion.CastTo(a, DataType.Utf8))], DataType.Utf8);
        }, (bound, ret) =>
        {
            var element = bound[0].Type.Element!;
            return Fn.Kernel((args, n) => RowKernel.Run(args, n, a => string.Join((string)a[1]!,
                ((object?[])a[0]!).Select(e => e is null ? a.Length > 2 ? a[2] as string : null : ElementText(e, element)).Where(s => s is not null)), ret, true));
        });
        r.Alias("array_join", "array_to_string");
        r.Alias("list_to_string", "array_to_string");
    }

    private static string ElementText(object e, DataType type) => e is string s ? s : TextFormat.FormatNested(e, type);

    private static object? Element(object?[] list, long index)
    {
        var i = index > 0 ? index - 1 : list.Length + index;
        return index != 0 && i >= 0 && i < list.Length ? list[i] : null;
    }

    private static UserException WrongArgs(string name, string signature, IReadOnlyList<BoundExpr> args, SourceSpan span) =>
        new($"no signature of function '{name}' accepts ({string.Join(", ", args.Select(a => a.Type))}); accepted: {signature}", span);

    private static BoundExpr RequireList(IReadOnlyList<BoundExpr> args, int count, string name, SourceSpan span)
    {
        if (args.Count != count || args[0].Type.Kind != TypeKind.List) throw WrongArgs(name, $"{name}(ARRAY{string.Concat(Enumerable.Repeat(", ANY", count - 1))})", args, span);
        return args[0];
    }

    private static FunctionRegistry.CustomBinder ListThen(int count, Func<DataType, DataType> ret) => (args, span) =>
    {
        var list = RequireList(args, count, "array function", span);
        return ([list], ret(list.Type));
    };

    /// <summary>(ARRAY, element): the element is cast to the array's element type (or both widened).</summary>
    private static FunctionRegistry.CustomBinder ElementArg(Func<DataType, DataType> ret) => (args, span) =>
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
