using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Windows;

/// <summary>
/// Where a row stands in its sorted partition: 1-based row number, rank (ties share the
/// first row number of their group) and dense rank (ties share, no gaps).
/// </summary>
public readonly record struct RowPosition(ulong RowNumber, ulong Rank, ulong DenseRank);

/// <summary>What a window function computes (the operator evaluates each kind over a sorted partition).</summary>
public enum WindowFunctionKind
{
    /// <summary>row_number, rank, dense_rank: a <see cref="WindowFunction"/> of the row's <see cref="RowPosition"/>.</summary>
    Positional,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
}

/// <summary>A ranking function: its name, result type, and value from the row's position.</summary>
public sealed record WindowFunction(string Name, DataType Returns, Func<RowPosition, ulong> Evaluate)
{
    public FunctionRef Ref => new(Name, [], Returns);
}

/// <summary>
/// The window functions one engine knows, by name, case-insensitive: the ranking functions
/// (<c>row_number</c>, <c>rank</c>, <c>dense_rank</c>, <c>percent_rank</c>, <c>cume_dist</c>,
/// <c>ntile</c>) and the value functions (<c>lag</c>, <c>lead</c>, <c>first_value</c>,
/// <c>last_value</c>, <c>nth_value</c>), with DataFusion 48's argument and result types. An
/// instance travels with the plan's options and the run's settings (inside a
/// <see cref="FunctionLibrary"/>); the planner binds a call to a <see cref="FunctionRef"/>
/// whose arguments are the value column's type (none for ranking functions), the operators
/// resolve it back here.
/// </summary>
public sealed class WindowFunctionRegistry
{
    private readonly Dictionary<string, WindowFunctionKind> _kinds = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WindowFunction> _ranking = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry holding the built-in window functions.</summary>
    public static WindowFunctionRegistry CreateBuiltins()
    {
        var r = new WindowFunctionRegistry()
            .Add(new WindowFunction("row_number", DataType.UInt64, p => p.RowNumber))
            .Add(new WindowFunction("rank", DataType.UInt64, p => p.Rank))
            .Add(new WindowFunction("dense_rank", DataType.UInt64, p => p.DenseRank));
        r._kinds["percent_rank"] = WindowFunctionKind.PercentRank;
        r._kinds["cume_dist"] = WindowFunctionKind.CumeDist;
        r._kinds["ntile"] = WindowFunctionKind.Ntile;
        r._kinds["lag"] = WindowFunctionKind.Lag;
        r._kinds["lead"] = WindowFunctionKind.Lead;
        r._kinds["first_value"] = WindowFunctionKind.FirstValue;
        r._kinds["last_value"] = WindowFunctionKind.LastValue;
        r._kinds["nth_value"] = WindowFunctionKind.NthValue;
        return r;
    }

    /// <summary>Adds (or replaces) a ranking function computed from the row's position.</summary>
    public WindowFunctionRegistry Add(WindowFunction function)
    {
        _ranking[function.Name] = function;
        _kinds[function.Name] = WindowFunctionKind.Positional;
        return this;
    }

    public IEnumerable<string> Names => _kinds.Keys;

    public bool IsWindowFunction(string name) => _kinds.ContainsKey(name);

    /// <summary>Ranking functions computed from the row's position alone (what the updating top-N operator can keep current).</summary>
    public bool IsPositional(string name) => _ranking.ContainsKey(name);

    /// <summary>The call of <paramref name="name"/> without arguments.</summary>
    public FunctionRef Bind(string name, SourceSpan span = default) => Bind(name, [], span);

    /// <summary>
    /// The call of <paramref name="name"/> with arguments of <paramref name="argTypes"/> (all of
    /// them, constants included), or a user error at <paramref name="span"/>. The result's
    /// <see cref="FunctionRef.Arguments"/> hold only the value column's type.
    /// </summary>
    public FunctionRef Bind(string name, IReadOnlyList<DataType> argTypes, SourceSpan span = default)
    {
        if (_ranking.TryGetValue(name, out var ranking))
        {
            Arity(0, 0);
            return ranking.Ref;
        }
        if (!_kinds.TryGetValue(name, out var kind))
        {
            throw new UserException($"This feature is not implemented: window function {name.ToLowerInvariant()}", span);
        }
        var canonical = name.ToLowerInvariant();
        switch (kind)
        {
            case WindowFunctionKind.PercentRank or WindowFunctionKind.CumeDist:
                Arity(0, 0);
                return new FunctionRef(canonical, [], DataType.Float64);
            case WindowFunctionKind.Ntile:
                Arity(1, 1);
                Integer(0);
                return new FunctionRef(canonical, [], DataType.UInt64);
            case WindowFunctionKind.Lag or WindowFunctionKind.Lead:
                Arity(1, 3);
                if (argTypes.Count > 1) Integer(1);
                return new FunctionRef(canonical, [argTypes[0]], argTypes[0]);
            case WindowFunctionKind.NthValue:
                Arity(2, 2);
                Integer(1);
                return new FunctionRef(canonical, [argTypes[0]], argTypes[0]);
            default:
                Arity(1, 1);
                return new FunctionRef(canonical, [argTypes[0]], argTypes[0]);
        }

        void Arity(int min, int max)
        {
            if (argTypes.Count >= min && argTypes.Count <= max) return;
            var expected = min == max ? $"{min}" : $"{min} to {max}";
            throw new UserException(
                $"Error during planning: {name.ToLowerInvariant()} takes {expected} argument{(max == 1 ? "" : "s")}, got {argTypes.Count}", span);
        }

        void Integer(int index)
        {
            if (argTypes[index].IsInteger || argTypes[index].Kind == TypeKind.Null) return;
            throw new UserException($"Error during planning: argument {index + 1} of {name.ToLowerInvariant()} must be an integer, not {argTypes[index]}", span);
        }
    }

    /// <summary>What a bound call computes.</summary>
    public WindowFunctionKind Kind(FunctionRef function) =>
        _kinds.TryGetValue(function.Name, out var kind) && Bind(function.Name, Signature(kind, function)) == function
            ? kind
            : throw new UserException($"window function {function.Signature} is not registered in this engine");

    /// <summary>The ranking function a bound call names (positional functions only: the updating top-N operator).</summary>
    public WindowFunction Resolve(FunctionRef function) =>
        _ranking.TryGetValue(function.Name, out var f) && f.Returns == function.Returns && function.Arguments.Count == 0
            ? f
            : throw new UserException($"window function {function.Signature} is not registered in this engine");

    /// <summary>Argument types that bind to <paramref name="function"/> again (constants as BIGINT), to check a plan's call.</summary>
    private static DataType[] Signature(WindowFunctionKind kind, FunctionRef function) => kind switch
    {
        WindowFunctionKind.Ntile => [DataType.Int64],
        WindowFunctionKind.NthValue => [.. function.Arguments, DataType.Int64],
        _ => [.. function.Arguments],
    };
}
