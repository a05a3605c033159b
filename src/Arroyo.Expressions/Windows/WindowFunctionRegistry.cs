using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Windows;

/// <summary>
/// Where a row stands in its sorted partition: 1-based row number, rank (ties share the
/// first row number of their group) and dense rank (ties share, no gaps).
/// </summary>
public readonly record struct RowPosition(ulong RowNumber, ulong Rank, ulong DenseRank);

/// <summary>A window (ranking) function: its name, result type, and value from the row's position.</summary>
public sealed record WindowFunction(string Name, DataType Returns, Func<RowPosition, ulong> Evaluate)
{
    public FunctionRef Ref => new(Name, [], Returns);
}

/// <summary>
/// The window functions one engine knows (<c>row_number</c>, <c>rank</c>, <c>dense_rank</c>),
/// by name, case-insensitive. An instance travels with the plan's options and the run's
/// settings (inside a <see cref="FunctionLibrary"/>); the planner binds a call to a
/// <see cref="FunctionRef"/>, the window-function operator resolves it back here.
/// </summary>
public sealed class WindowFunctionRegistry
{
    private readonly Dictionary<string, WindowFunction> _functions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry holding the built-in ranking functions (BIGINT UNSIGNED, as DataFusion).</summary>
    public static WindowFunctionRegistry CreateBuiltins() => new WindowFunctionRegistry()
        .Add(new WindowFunction("row_number", DataType.UInt64, p => p.RowNumber))
        .Add(new WindowFunction("rank", DataType.UInt64, p => p.Rank))
        .Add(new WindowFunction("dense_rank", DataType.UInt64, p => p.DenseRank));

    public WindowFunctionRegistry Add(WindowFunction function)
    {
        _functions[function.Name] = function;
        return this;
    }

    public IEnumerable<string> Names => _functions.Keys;

    public bool IsWindowFunction(string name) => _functions.ContainsKey(name);

    /// <summary>The call of <paramref name="name"/> (no arguments), or a "not implemented" error at <paramref name="span"/>.</summary>
    public FunctionRef Bind(string name, SourceSpan span = default) =>
        _functions.TryGetValue(name, out var f)
            ? f.Ref
            : throw new UserException($"This feature is not implemented: window function {name.ToLowerInvariant()}", span);

    public WindowFunction Resolve(FunctionRef function) =>
        _functions.TryGetValue(function.Name, out var f) && f.Returns == function.Returns && function.Arguments.Count == 0
            ? f
            : throw new UserException($"window function {function.Signature} is not registered in this engine");
}
