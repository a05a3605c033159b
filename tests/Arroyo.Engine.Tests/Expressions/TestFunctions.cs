using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>The built-in functions for tests that bind or build operators by hand (one library, never changed).</summary>
internal static class TestFunctions
{
    public static readonly FunctionLibrary Builtins = FunctionLibrary.CreateBuiltins();

    public static FunctionRegistry Scalar => Builtins.Scalar;

    /// <summary>An aggregate call over columns <paramref name="args"/> of <paramref name="input"/>, bound as the planner binds it.</summary>
    public static AggregateCall Aggregate(Schema input, string function, int[] args, string outputName, bool distinct = false, int? filter = null) =>
        new(Builtins.Aggregates.Bind(function, args.Select(a => input[a].Type).ToArray()), args, distinct, filter, outputName);
}
