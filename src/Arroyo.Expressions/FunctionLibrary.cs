using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Windows;

namespace Arroyo.Expressions;

/// <summary>
/// The functions of one engine: scalar, aggregate and window registries. There is no global
/// instance: the composition root builds one and hands the same object to the planner
/// (<c>PlanOptions.Functions</c>), which binds calls to <see cref="FunctionRef"/>s, and to the
/// runtime (<c>RunSettings.Functions</c>), where operators resolve those references to
/// implementations. User functions are added to these same registries.
/// </summary>
public sealed class FunctionLibrary
{
    public FunctionLibrary(FunctionRegistry scalar, AggregateRegistry aggregates, WindowFunctionRegistry windows)
    {
        Scalar = scalar;
        Aggregates = aggregates;
        Windows = windows;
    }

    /// <summary>A new library of every built-in function (each call builds fresh registries).</summary>
    public static FunctionLibrary CreateBuiltins() =>
        new(FunctionRegistry.CreateBuiltins(), AggregateRegistry.CreateBuiltins(), WindowFunctionRegistry.CreateBuiltins());

    public FunctionRegistry Scalar { get; }

    public AggregateRegistry Aggregates { get; }

    public WindowFunctionRegistry Windows { get; }

    /// <summary>Adds a user scalar function (see <see cref="FunctionRegistry.AddUser"/>).</summary>
    public FunctionLibrary AddScalar(string name, IReadOnlyList<DataType> arguments, DataType returns, ScalarKernelFactory? implementation = null,
        bool isVolatile = false)
    {
        Scalar.AddUser(name, arguments, returns, implementation, isVolatile);
        return this;
    }

    /// <summary>Adds a user aggregate (see <see cref="AggregateRegistry.AddUser"/>).</summary>
    public FunctionLibrary AddAggregate(string name, IReadOnlyList<DataType> arguments, DataType returns, AccumulatorFactory? implementation = null)
    {
        Aggregates.AddUser(name, arguments, returns, implementation);
        return this;
    }
}
