using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Udfs.Runtime;

/// <summary>Scalar (called per row), async (calls in flight concurrently) or aggregate (over a group's values).</summary>
public enum UdfKind
{
    Scalar,
    Async,
    Aggregate,
}

/// <summary>
/// One compiled user function: its SQL signature, where it is written, and how to build its
/// kernel or accumulator for one call site (given that call site's fault handler).
/// </summary>
public sealed record UdfFunction(
    string Name,
    UdfKind Kind,
    IReadOnlyList<DataType> Arguments,
    IReadOnlyList<string> ParameterNames,
    DataType Returns,
    string Location,
    UdfErrorPolicy OnError,
    Func<UdfFault, ScalarKernel>? CreateKernel,
    Func<UdfFault, GroupAccumulator>? CreateAccumulator,
    AsyncUdfOptions? Async)
{
    /// <summary>e.g. <c>double_negative(BIGINT UNSIGNED) -&gt; BIGINT</c>.</summary>
    public string Signature => $"{Name}({string.Join(", ", Arguments)}) -> {Returns}";
}

/// <summary>
/// What the generated manifest of a UDF assembly calls to list its functions: one call per
/// function, so discovering a cached assembly's functions needs no reflection over its types.
/// </summary>
public sealed class UdfRegistration
{
    private readonly List<UdfFunction> _functions = [];

    public IReadOnlyList<UdfFunction> Functions => _functions;

    public void Scalar(string name, string location, DataType[] arguments, string[] parameterNames, DataType returns, UdfErrorPolicy onError,
        Func<UdfFault, ScalarKernel> kernel) =>
        _functions.Add(new UdfFunction(name, UdfKind.Scalar, arguments, parameterNames, returns, location, onError, kernel, null, null));

    public void Async(string name, string location, DataType[] arguments, string[] parameterNames, DataType returns, UdfErrorPolicy onError,
        AsyncUdfOptions options, Func<UdfFault, ScalarKernel> kernel) =>
        _functions.Add(new UdfFunction(name, UdfKind.Async, arguments, parameterNames, returns, location, onError, kernel, null, options));

    public void Aggregate(string name, string location, DataType[] arguments, string[] parameterNames, DataType returns, UdfErrorPolicy onError,
        Func<UdfFault, GroupAccumulator> accumulator) =>
        _functions.Add(new UdfFunction(name, UdfKind.Aggregate, arguments, parameterNames, returns, location, onError, null, accumulator, null));
}
