using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Expressions;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// <c>array_agg(x ORDER BY y)</c> and the other order-sensitive aggregates: values come out
/// sorted by the keys (not in arrival order), ties keep arrival order, NULL keys go where the
/// ordering says, retraction removes the retracted (value, key) pair, and the order survives a
/// checkpoint round trip.
/// </summary>
public sealed class OrderedAggregateTests
{
    private static GroupAccumulator Create(string function, DataType arg, params AggregateOrdering[] ordering)
    {
        var registry = TestFunctions.Builtins.Aggregates;
        var bound = registry.Bind(function, [arg]);
        var accumulator = registry.CreateAccumulator(new AccumulatorRequest(bound, false, function == "string_agg" ? ["|"] : [], Retracting: true, UpdatingAggregate: true)
        {
            Ordering = ordering,
        });
        accumulator.EnsureCapacity(2);
        return accumulator;
    }

    private static object? Result(GroupAccumulator accumulator, DataType type, int group = 0)
    {
        var builder = ColumnBuilder.Create(type);
        accumulator.Evaluate(group, builder);
        return builder.Build().GetValue(0);
    }

    private static Column Longs(params long?[] values)
    {
        var builder = ColumnBuilder.Create(DataType.Int64);
        foreach (var v in values) builder.AppendObject(v);
        return builder.Build();
    }

    [Fact]
    public void Array_agg_sorts_by_the_key_descending_with_nulls_first()
    {
        var acc = Create("array_agg", DataType.Int64, new AggregateOrdering(DataType.Int64, Descending: true, NullsFirst: true));
        acc.Update([Longs(1, 2, 3, 4), Longs(10, null, 30, 20)], [0, 0, 0, 0], []);
        Assert.Equal(new object?[] { 2L, 3L, 4L, 1L }, (object?[])Result(acc, DataType.List(DataType.Int64))!);
    }

    [Fact]
    public void Ties_keep_arrival_order_and_a_second_key_breaks_them()
    {
        var acc = Create("array_agg", DataType.Int64,
            new AggregateOrdering(DataType.Int64, false, false), new AggregateOrdering(DataType.Int64, true, true));
        acc.Update([Longs(1, 2, 3, 4, 5), Longs(7, 5, 7, 5, 7), Longs(0, 0, 1, 0, 0)], [0, 0, 0, 0, 0], []);
        // key 5: rows 2 and 4 (second key 0 both: arrival order); key 7: row 3 (second key 1, DESC) first, then 1, 5.
        Assert.Equal(new object?[] { 2L, 4L, 3L, 1L, 5L }, (object?[])Result(acc, DataType.List(DataType.Int64))!);
    }

    [Fact]
    public void Retraction_removes_the_pair_and_the_order_survives_a_checkpoint()
    {
        var ordering = new AggregateOrdering(DataType.Int64, false, false);
        var acc = Create("array_agg", DataType.Int64, ordering);
        acc.Update([Longs(1, 1, 2), Longs(30, 10, 20)], [0, 0, 0], []);
        acc.Update([Longs(1), Longs(10)], [0], [true]);
        Assert.Equal(new object?[] { 2L, 1L }, (object?[])Result(acc, DataType.List(DataType.Int64))!);

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) acc.Write(0, writer);
        stream.Position = 0;
        var restored = Create("array_agg", DataType.Int64, ordering);
        using (var reader = new BinaryReader(stream)) restored.Read(1, reader);
        restored.Update([Longs(9), Longs(5)], [1], []);
        Assert.Equal(new object?[] { 9L, 2L, 1L }, (object?[])Result(restored, DataType.List(DataType.Int64), 1)!);
    }

    [Fact]
    public void String_agg_and_first_last_value_follow_the_ordering()
    {
        var desc = new AggregateOrdering(DataType.Int64, true, true);
        var strings = Create("string_agg", DataType.Utf8, desc);
        strings.Update([StringColumn.FromStrings(["a", "b", "c"]), Longs(2, 3, 1)], [0, 0, 0], []);
        Assert.Equal("b|a|c", Result(strings, DataType.Utf8));

        var first = Create("first_value", DataType.Int64, desc);
        var last = Create("last_value", DataType.Int64, desc);
        foreach (var acc in new[] { first, last }) acc.Update([Longs(1, 2, 3), Longs(2, 3, 1)], [0, 0, 0], []);
        Assert.Equal(2L, Result(first, DataType.Int64));
        Assert.Equal(3L, Result(last, DataType.Int64));
    }

    [Fact]
    public void Order_insensitive_functions_ignore_the_ordering()
    {
        Assert.False(AggregateRegistry.IsOrderSensitive("sum"));
        var sum = Create("sum", DataType.Int64, new AggregateOrdering(DataType.Int64, true, true));
        sum.Update([Longs(1, 2, 3)], [0, 0, 0], []);
        Assert.Equal(6L, Result(sum, DataType.Int64));
    }
}
