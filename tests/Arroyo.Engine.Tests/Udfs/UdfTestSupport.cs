using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Aggregates;
using Arroyo.Udfs;

namespace Arroyo.Engine.Tests.Udfs;

/// <summary>Compiles UDF sources written inline in a test and calls them as an operator would.</summary>
internal static class UdfTestSupport
{
    /// <summary>The built-ins plus the functions of <paramref name="files"/> (name → C# text); warnings go to <paramref name="warnings"/>.</summary>
    public static FunctionLibrary Library(List<string>? warnings, params (string Name, string Text)[] files)
    {
        var compiled = UdfLoader.Load(files.Select(f => new UdfSource(f.Name, f.Text)).ToList(), cacheDirectory: null);
        return compiled.AddTo(FunctionLibrary.CreateBuiltins(), m => warnings?.Add(m));
    }

    /// <summary>Calls scalar function <paramref name="name"/> (bound to its own signature) over <paramref name="args"/>.</summary>
    public static Column Call(FunctionLibrary library, string name, DataType[] types, DataType returns, params Column[] args)
    {
        var function = library.Scalar.Resolve(new FunctionRef(name, types, returns));
        return function.CreateKernel([], returns).Invoke(args, args.Length == 0 ? 0 : args[0].Length);
    }

    public static GroupAccumulator Accumulator(FunctionLibrary library, string name, DataType[] types)
    {
        var function = library.Aggregates.Bind(name, types);
        return library.Aggregates.CreateAccumulator(new AccumulatorRequest(function, false, [], Retracting: true, UpdatingAggregate: false));
    }

    public static PrimitiveColumn<T> Primitives<T>(DataType type, params T?[] values) where T : unmanaged
    {
        var builder = new PrimitiveColumnBuilder<T>(type, values.Length);
        foreach (var v in values)
        {
            if (v is { } value) builder.Append(value);
            else builder.AppendNull();
        }
        return (PrimitiveColumn<T>)builder.Build();
    }

    public static object?[] Values(Column column) => Enumerable.Range(0, column.Length).Select(column.GetValue).ToArray();
}
