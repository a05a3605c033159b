using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Catalog;

/// <summary>
/// Signatures of user-defined functions the planner must know (the reference's UDF
/// definitions: name, argument types, return type). Only planning uses them: a pipeline
/// calling a UDF whose implementation is not registered fails when its kernel is built.
/// </summary>
public sealed class UserFunctions
{
    private readonly Dictionary<string, UserFunction> _functions = new(StringComparer.OrdinalIgnoreCase);

    public static readonly UserFunctions Empty = new();

    public IEnumerable<string> Names => _functions.Keys;

    /// <summary>Declares a scalar UDF. <paramref name="implementation"/> may be null for planning-only use.</summary>
    public UserFunctions AddScalar(string name, IReadOnlyList<DataType> arguments, DataType returns, ScalarKernelFactory? implementation = null, bool isAsync = false)
    {
        _functions[name] = new UserFunction(name, arguments, returns, false, isAsync, implementation);
        return this;
    }

    /// <summary>Declares an aggregate UDF (UDAF) over columns of <paramref name="arguments"/>.</summary>
    public UserFunctions AddAggregate(string name, IReadOnlyList<DataType> arguments, DataType returns)
    {
        _functions[name] = new UserFunction(name, arguments, returns, true, false, null);
        return this;
    }

    internal UserFunction? Find(string name) => _functions.GetValueOrDefault(name);
}

internal sealed record UserFunction(string Name, IReadOnlyList<DataType> Arguments, DataType Returns, bool IsAggregate, bool IsAsync, ScalarKernelFactory? Implementation)
{
    private ScalarFunction? _function;

    public ScalarFunction Function => _function ??= new ScalarFunction(Name, Implementation ?? Missing);

    private ScalarKernel Missing(IReadOnlyList<BoundExpr> args, DataType returnType) =>
        throw new Arroyo.Core.Errors.UserException($"user-defined function '{Name}' has no implementation registered in this engine");
}
