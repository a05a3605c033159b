using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

public sealed class AggregateRegistryTests
{
    [Theory]
    [InlineData("sum", TypeKind.UInt64, TypeKind.UInt64)]
    [InlineData("sum", TypeKind.Int32, TypeKind.Int64)]
    [InlineData("avg", TypeKind.Int64, TypeKind.Float64)]
    [InlineData("count", TypeKind.Utf8, TypeKind.Int64)]
    [InlineData("median", TypeKind.Int64, TypeKind.Int64)]
    [InlineData("approx_distinct", TypeKind.Int64, TypeKind.UInt64)]
    [InlineData("stddev", TypeKind.Int64, TypeKind.Float64)]
    public void ReturnTypesFollowDataFusion(string name, TypeKind arg, TypeKind expected)
    {
        var argType = ColumnBuilder.Create(TypeOf(arg)).Type;
        Assert.Equal(expected, TestFunctions.Builtins.Aggregates.ResolveReturnType(name, [argType]).Kind);
    }

    [Fact]
    public void AUserAggregateIsBoundAndBuiltThroughTheSameRegistry()
    {
        AccumulatorRequest? seen = null;
        var registry = AggregateRegistry.CreateBuiltins()
            .AddUser("My_Sum", [DataType.Int64], DataType.Int64, request =>
            {
                seen = request;
                return AggregateFactory.Create("sum", request.Function.Arguments, false, [], request.Function.Returns, request.Retracting);
            })
            .AddUser("declared_only", [DataType.Float64], DataType.Float64);
        Assert.True(registry.IsAggregate("my_sum"));
        Assert.Equal([DataType.Int64], registry.UserArguments("MY_SUM"));
        var call = registry.Bind("MY_SUM", [DataType.Int64]);
        Assert.Equal(new Arroyo.Expressions.FunctionRef("my_sum", [DataType.Int64], DataType.Int64), call);
        Assert.NotNull(registry.CreateAccumulator(new AccumulatorRequest(call, false, [], true, false)));
        Assert.Equal(call, seen!.Function);
        var missing = Assert.Throws<UserException>(() =>
            registry.CreateAccumulator(new AccumulatorRequest(registry.Bind("declared_only", [DataType.Float64]), false, [], false, false)));
        Assert.Contains("'declared_only' has no implementation", missing.Message);
        var unknown = Assert.Throws<UserException>(() => AggregateRegistry.CreateBuiltins().CreateAccumulator(new AccumulatorRequest(call, false, [], false, false)));
        Assert.Contains("aggregate 'my_sum' is not registered in this engine", unknown.Message);
    }

    [Fact]
    public void UnknownFunctionSuggestsAName()
    {
        var error = Assert.Throws<UserException>(() => TestFunctions.Builtins.Aggregates.ResolveReturnType("stdev", [DataType.Int64]));
        Assert.Contains("Did you mean", error.Message);
    }

    [Theory]
    [InlineData("count", "3")]
    [InlineData("sum", "10")]
    [InlineData("avg", "2.5")]
    [InlineData("min", "1")]
    [InlineData("max", "4")]
    [InlineData("median", "2")]
    [InlineData("var_samp", "1.6666666666666667")]
    [InlineData("var_pop", "1.25")]
    [InlineData("bit_xor", "4")]
    [InlineData("approx_distinct", "3")]
    public void EvaluatesOverOneGroupWithRetraction(string name, string expected)
    {
        var type = TestFunctions.Builtins.Aggregates.ResolveReturnType(name, [DataType.Int64]);
        var accumulator = AggregateFactory.Create(name, [DataType.Int64], false, [], type, retracting: true);
        accumulator.EnsureCapacity(1);
        accumulator.Clear(0);
        var values = new PrimitiveColumn<long>(DataType.Int64, [1, 2, 3, 4, 9]);
        accumulator.Update([values], [0, 0, 0, 0, 0], [false, false, false, false, false]);
        var retract = new PrimitiveColumn<long>(DataType.Int64, [9]);
        accumulator.Update([retract], [0], [true]);
        if (name is "count" or "approx_distinct" or "median")
        {
            // count/approx_distinct/median: also retract 4 to get 3 values {1, 2, 3}.
            accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [4])], [0], [true]);
        }
        var builder = ColumnBuilder.Create(type);
        accumulator.Evaluate(0, builder);
        var result = builder.Build().GetValue(0);
        Assert.Equal(expected, Convert.ToString(result, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static DataType TypeOf(TypeKind kind) => kind switch
    {
        TypeKind.UInt64 => DataType.UInt64,
        TypeKind.Int32 => DataType.Int32,
        TypeKind.Utf8 => DataType.Utf8,
        _ => DataType.Int64,
    };
}
