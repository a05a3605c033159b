using Arroyo.Udfs.Runtime;

namespace Arroyo.Udfs.Compilation;

/// <summary>A user method marked as a UDF, checked and mapped to SQL types, ready for code generation.</summary>
/// <param name="Target">The fully qualified method, e.g. <c>global::MyUdfs.Strings.parse_log</c>.</param>
/// <param name="Parameters">Per parameter: its name and value type (UDAFs: the element type).</param>
/// <param name="Returns">The result type (async: the task's result).</param>
/// <param name="ReturnsValueTask">Async only: <c>ValueTask&lt;T&gt;</c> rather than <c>Task&lt;T&gt;</c>.</param>
internal sealed record UdfMethod(
    string SqlName,
    UdfKind Kind,
    string Target,
    IReadOnlyList<(string Name, UdfValueType Type)> Parameters,
    UdfValueType Returns,
    string Location,
    UdfErrorPolicy OnError,
    AsyncUdfOptions? Async,
    bool ReturnsValueTask);
