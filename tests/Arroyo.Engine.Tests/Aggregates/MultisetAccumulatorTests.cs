using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// The multiset accumulators (DISTINCT count/sum/avg, min/max over retracting input) against the
/// value bag they replace, which stays the reference: same results after any sequence of adds and
/// retractions, and after a checkpoint round trip.
/// </summary>
public sealed class MultisetAccumulatorTests
{
    public static TheoryData<string, TypeKind, bool> Cases => new()
    {
        { "count", TypeKind.Int64, true },
        { "count", TypeKind.Int32, true },
        { "count", TypeKind.Utf8, true },
        { "count", TypeKind.Float64, true },
        { "sum", TypeKind.Int64, true },
        { "sum", TypeKind.Int32, true },
        { "sum", TypeKind.UInt64, true },
        { "avg", TypeKind.Int64, true },
        { "min", TypeKind.Int64, false },
        { "max", TypeKind.Int64, false },
        { "max", TypeKind.Int32, false },
        { "min", TypeKind.Utf8, false },
        { "max", TypeKind.Utf8, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheValueBagUnderRandomRetractions(string function, TypeKind kind, bool distinct)
    {
        var argType = TypeOf(kind);
        var resultType = TestFunctions.Builtins.Aggregates.ResolveReturnType(function, [argType]);
        var tested = AggregateFactory.Create(function, [argType], distinct, [], resultType, retracting: true);
        Assert.IsNotType<ValueBagAccumulator>(tested);
        var reference = new ValueBagAccumulator(function, [argType], distinct, [], resultType);
        const int groups = 4;
        tested.EnsureCapacity(groups);
        reference.EnsureCapacity(groups);
        var random = new Random(42);
        var held = Enumerable.Range(0, groups).Select(_ => new List<long?>()).ToArray();
        for (var round = 0; round < 300; round++)
        {
            var batch = new List<(int Group, long? Value, bool Retract)>();
            for (var i = 0; i < random.Next(1, 12); i++)
            {
                var g = random.Next(groups);
                if (held[g].Count > 0 && random.Next(3) == 0)
                {
                    var index = random.Next(held[g].Count);
                    batch.Add((g, held[g][index], true));
                    held[g].RemoveAt(index);
                }
                else
                {
                    long? v = random.Next(10) == 0 ? null : random.Next(-6, 12);
                    if (kind == TypeKind.UInt64 && v < 0) v = -v;
                    batch.Add((g, v, false));
                    held[g].Add(v);
                }
            }
            // A retraction of a value the group does not hold is ignored by both.
            if (round % 50 == 0) batch.Add((random.Next(groups), 1000, true));
            var column = Build(argType, batch.Select(b => b.Value));
            var groupIds = batch.Select(b => b.Group).ToArray();
            var retract = batch.Select(b => b.Retract).ToArray();
            tested.Update([column], groupIds, retract);
            reference.Update([column], groupIds, retract);
            for (var g = 0; g < groups; g++)
            {
                Assert.Equal(Evaluate(reference, g, resultType), Evaluate(tested, g, resultType));
            }
            if (round % 37 == 0)
            {
                // Checkpoint round trip, into a fresh accumulator and another group id.
                var restored = AggregateFactory.Create(function, [argType], distinct, [], resultType, retracting: true);
                restored.EnsureCapacity(groups + 3);
                for (var g = 0; g < groups; g++)
                {
                    var buffer = new MemoryStream();
                    tested.Write(g, new BinaryWriter(buffer));
                    var bytes = buffer.ToArray();
                    var stream = new MemoryStream(bytes);
                    restored.Read(g + 3, new BinaryReader(stream));
                    Assert.Equal(bytes.Length, stream.Position);
                    Assert.Equal(Evaluate(reference, g, resultType), Evaluate(restored, g + 3, resultType));
                    restored.Clear(g + 3);
                    restored.Read(g + 3, new BinaryReader(new MemoryStream(bytes)));
                    tested.Clear(g);
                    tested.Read(g, new BinaryReader(new MemoryStream(bytes)));
                }
            }
        }
    }

    [Theory]
    [InlineData("max", "5", "3", "3")]
    [InlineData("min", "1", "3", "3")]
    public void RetractingTheExtremeFallsBackToTheNextValue(string function, string afterOne, string afterAll, string afterRestore)
    {
        var accumulator = AggregateFactory.Create(function, [DataType.Int64], false, [], DataType.Int64, retracting: true);
        Assert.IsType<RetractingMinMaxAccumulator<long>>(accumulator);
        accumulator.EnsureCapacity(2);
        long extreme = function == "max" ? 5 : 1;
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [3, extreme, 2, 4, extreme, 3])], [0, 0, 0, 0, 0, 0], []);
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [extreme])], [0], [true]);
        Assert.Equal(afterOne, Evaluate(accumulator, 0, DataType.Int64));
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [extreme])], [0], [true]);
        var next = function == "max" ? "4" : "2";
        Assert.Equal(next, Evaluate(accumulator, 0, DataType.Int64));
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [4, 2])], [0, 0], [true, true]);
        Assert.Equal(afterAll, Evaluate(accumulator, 0, DataType.Int64));

        var stream = new MemoryStream();
        accumulator.Write(0, new BinaryWriter(stream));
        stream.Position = 0;
        accumulator.Read(1, new BinaryReader(stream));
        Assert.Equal(afterRestore, Evaluate(accumulator, 1, DataType.Int64));
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [3])], [1], [true]);
        Assert.Equal(afterRestore, Evaluate(accumulator, 1, DataType.Int64));
        accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, [3])], [1], [true]);
        Assert.Null(Evaluate(accumulator, 1, DataType.Int64));
    }

    [Fact]
    public void CountDistinctOverTextCountsByteValues()
    {
        var accumulator = AggregateFactory.Create("count", [DataType.Utf8], true, [], DataType.Int64, retracting: true);
        Assert.IsType<DistinctCountBytesAccumulator>(accumulator);
        accumulator.EnsureCapacity(1);
        accumulator.Update([StringColumn.FromStrings(["a", "b", "a", null, "é"])], [0, 0, 0, 0, 0], []);
        Assert.Equal("3", Evaluate(accumulator, 0, DataType.Int64));
        accumulator.Update([StringColumn.FromStrings(["a", "b"])], [0, 0], [true, true]);
        Assert.Equal("2", Evaluate(accumulator, 0, DataType.Int64));
        accumulator.Update([StringColumn.FromStrings(["a"])], [0], [true]);
        Assert.Equal("1", Evaluate(accumulator, 0, DataType.Int64));
    }

    [Theory]
    [InlineData("median", true)]
    [InlineData("array_agg", true)]
    [InlineData("min", true)]
    public void OtherDistinctAndFloatCasesKeepTheValueBag(string function, bool distinct)
    {
        var type = TestFunctions.Builtins.Aggregates.ResolveReturnType(function, [DataType.Int64]);
        Assert.IsType<ValueBagAccumulator>(AggregateFactory.Create(function, [DataType.Int64], distinct, [], type, retracting: true));
        Assert.IsType<ValueBagAccumulator>(AggregateFactory.Create("max", [DataType.Float64], false, [], DataType.Float64, retracting: true));
        Assert.IsType<ValueBagAccumulator>(AggregateFactory.Create("sum", [DataType.Float64], true, [], DataType.Float64, retracting: false));
    }

    private static Column Build(DataType type, IEnumerable<long?> values)
    {
        var builder = ColumnBuilder.Create(type);
        foreach (var v in values)
        {
            builder.AppendObject(v is not { } x ? null : type.Kind switch
            {
                TypeKind.Int32 => (int)x,
                TypeKind.UInt64 => (ulong)x,
                TypeKind.Float64 => x / 2.0,
                TypeKind.Utf8 => "v" + x,
                _ => (object)x,
            });
        }
        return builder.Build();
    }

    private static string? Evaluate(GroupAccumulator accumulator, int group, DataType type)
    {
        var builder = ColumnBuilder.Create(type);
        accumulator.Evaluate(group, builder);
        return builder.Build().GetValue(0) is { } value ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static DataType TypeOf(TypeKind kind) => kind switch
    {
        TypeKind.Int32 => DataType.Int32,
        TypeKind.UInt64 => DataType.UInt64,
        TypeKind.Float64 => DataType.Float64,
        TypeKind.Utf8 => DataType.Utf8,
        _ => DataType.Int64,
    };
}
