using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Functions.Strings;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Compilation;

/// <summary>
/// Call shapes compiled as one kernel instead of a kernel per call, where the intermediate
/// value is expensive and only a small part of it is used.
/// </summary>
internal static class CallFusion
{
    /// <summary>A fused kernel for <paramref name="call"/>, or null to compile it call by call.</summary>
    public static CompiledExpr? TryCompile(ScalarCall call, FunctionRegistry functions, Func<BoundExpr, CompiledExpr> compile)
    {
        // array_element(regexp_match(text, pattern[, flags]), k) with pattern, flags and k constant.
        if (call.Function.Name == "array_element"
            && call.Args is [ScalarCall { Function.Name: "regexp_match" } match, Literal { Value: long element }]
            && match.Function.Returns == DataType.List(DataType.Utf8)
            && functions.IsBuiltin("array_element") && functions.IsBuiltin("regexp_match")
            && match.Args.Count is 2 or 3
            && match.Args[1] is Literal { Value: string pattern }
            && (match.Args.Count == 2 || match.Args[2] is Literal { Value: string }))
        {
            var flags = match.Args.Count == 3 ? (string)((Literal)match.Args[2]).Value! : "";
            var regex = Utf8Text.Compile(pattern, flags.Replace("g", "", StringComparison.Ordinal), toIl: true);
            return new RegexGroupKernel(compile(match.Args[0]), regex, element);
        }
        return null;
    }
}
