using Arroyo.Core.Errors;
using Arroyo.Expressions;
using Arroyo.Udfs.Runtime;

namespace Arroyo.Udfs;

/// <summary>
/// The user functions of one run, loaded from their compiled assembly: what
/// <see cref="UdfLoader.Load"/> returns, and what <see cref="AddTo"/> puts into the run's
/// function registries (the same ones the built-ins live in).
/// </summary>
public sealed class CompiledUdfs
{
    internal CompiledUdfs(IReadOnlyList<UdfFunction> functions, string hash, bool fromCache, TimeSpan elapsed)
    {
        Functions = functions;
        Hash = hash;
        FromCache = fromCache;
        Elapsed = elapsed;
    }

    public IReadOnlyList<UdfFunction> Functions { get; }

    /// <summary>The content hash of the sources (and engine build) the assembly was compiled from.</summary>
    public string Hash { get; }

    /// <summary>True when the assembly came from the cache and Roslyn did not run.</summary>
    public bool FromCache { get; }

    /// <summary>Time spent compiling (or loading from the cache) and discovering the functions.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>
    /// Registers every function in <paramref name="library"/>: scalar and async functions with a
    /// kernel factory, aggregates with an accumulator factory. Each call site gets its own
    /// <see cref="UdfFault"/>, which reports failures under <see cref="UdfErrorPolicy.Null"/> to
    /// <paramref name="warn"/>. A UDF may not take a built-in function's name.
    /// </summary>
    public FunctionLibrary AddTo(FunctionLibrary library, Action<string> warn)
    {
        foreach (var function in Functions)
        {
            if (library.Scalar.IsScalarFunction(function.Name) || library.Aggregates.IsAggregate(function.Name))
            {
                throw new UserException($"UDF '{function.Name}' ({function.Location}) has the name of a built-in function",
                    hint: "give it another name, e.g. [ScalarUdf(\"my_" + function.Name + "\")]");
            }
            UdfFault Fault() => new(function.Name, function.ParameterNames, function.OnError, warn);
            if (function.Kind == UdfKind.Aggregate)
            {
                library.AddAggregate(function.Name, function.Arguments, function.Returns, request =>
                {
                    if (request.Distinct) throw new UserException($"DISTINCT is not supported for the user aggregate '{function.Name}'");
                    return function.CreateAccumulator!(Fault());
                });
            }
            else
            {
                // An async function is volatile: never folded at planning, where its calls (an HTTP
                // lookup…) must not run; a scalar one with constant arguments may be.
                library.AddScalar(function.Name, function.Arguments, function.Returns, (_, _) => function.CreateKernel!(Fault()),
                    isVolatile: function.Kind == UdfKind.Async);
            }
        }
        return library;
    }
}
