using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

public sealed class AggregateFunctionsTests
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
