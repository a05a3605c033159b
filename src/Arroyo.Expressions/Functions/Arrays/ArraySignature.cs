using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Binds array functions from a compact pattern, one letter per parameter: <c>L</c> an array,
/// <c>E</c> an element of it, <c>I</c> a BIGINT, <c>T</c> TEXT. Every <c>L</c> and <c>E</c>
/// is unified to one element type (DataFusion coerces <c>array_has_any([1], [2.5])</c> to
/// DOUBLE arrays), so kernels see arrays and elements of exactly one type.
/// </summary>
internal static class ArraySignature
{
    public static FunctionRegistry.CustomBinder Bind(string name, string pattern, Func<DataType, DataType> returns, int minArgs = -1)
    {
        var min = minArgs < 0 ? pattern.Length : minArgs;
        var signature = Describe(name, pattern, min);
        return (args, span) =>
        {
            if (args.Count < min || args.Count > pattern.Length) throw ArrayFunctions.WrongArgs(name, signature, args, span);
            DataType? element = null;
            for (var i = 0; i < args.Count; i++)
            {
                var t = args[i].Type;
                DataType? contributes = pattern[i] switch
                {
                    'L' when t.Kind == TypeKind.List => t.Element,
                    'L' when t.Kind == TypeKind.Null => null,
                    'L' => throw ArrayFunctions.WrongArgs(name, signature, args, span),
                    'E' => t,
                    _ => null,
                };
                if (contributes is null || contributes.Kind == TypeKind.Null) continue;
                element = element is null ? contributes : Coercion.CommonType(element, contributes) ?? throw ArrayFunctions.WrongArgs(name, signature, args, span);
            }
            element ??= DataType.Int64;
            var list = DataType.List(element);
            var cast = new BoundExpr[args.Count];
            for (var i = 0; i < args.Count; i++)
            {
                var t = args[i].Type;
                cast[i] = pattern[i] switch
                {
                    'L' => Coercion.CastTo(args[i], list),
                    'E' => Coercion.CastTo(args[i], element),
                    'I' when t.IsInteger || t.Kind == TypeKind.Null => Coercion.CastTo(args[i], DataType.Int64),
                    'T' when t.Kind is TypeKind.Utf8 or TypeKind.Null => Coercion.CastTo(args[i], DataType.Utf8),
                    _ => throw ArrayFunctions.WrongArgs(name, signature, args, span),
                };
            }
            return (cast, returns(list));
        };
    }

    private static string Describe(string name, string pattern, int min)
    {
        var parts = pattern.Select((c, i) =>
        {
            var p = c switch { 'L' => "ARRAY", 'E' => "ELEMENT", 'I' => "BIGINT", _ => "TEXT" };
            return i < min ? p : "[" + p + "]";
        });
        return $"{name}({string.Join(", ", parts)})";
    }
}
