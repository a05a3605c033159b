using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Aggregates;

namespace Arroyo.Engine.Tests.Aggregates;

/// <summary>
/// In a GROUP BY without a window the t-digest functions evaluate the group's distinct values
/// as one batch (as the reference does), so the result does not depend on how the input was
/// split into batches: a run stopped at a checkpoint and restored gives the straight run's value.
/// </summary>
public sealed class UpdatingTDigestTests
{
    private static double Evaluate(string function, IReadOnlyList<object?> parameters, long[] values, int pieceSize)
    {
        var accumulator = AggregateFactory.Create(function, [DataType.Int64], false, parameters, DataType.Float64, retracting: false, updatingAggregate: true);
        accumulator.EnsureCapacity(1);
        accumulator.Clear(0);
        for (var i = 0; i < values.Length; i += pieceSize)
        {
            var piece = values[i..Math.Min(values.Length, i + pieceSize)];
            accumulator.Update([new PrimitiveColumn<long>(DataType.Int64, piece)], new int[piece.Length], default);
        }
        var output = ColumnBuilder.Create(DataType.Float64);
        accumulator.Evaluate(0, output);
        return ((PrimitiveColumn<double>)output.Build()).Values[0];
    }

    [Theory]
    [InlineData("approx_median")]
    [InlineData("approx_percentile_cont")]
    public void TheResultIsTheSameHoweverTheInputIsSplit(string function)
    {
        var random = new Random(3);
        // Many duplicates of 400 distinct values, skewed, in random order.
        var values = Enumerable.Range(0, 5000).Select(_ => (long)(random.Next(20) * random.Next(20))).ToArray();
        object?[] parameters = function == "approx_percentile_cont" ? [0.9] : [];
        var whole = Evaluate(function, parameters, values, values.Length);
        foreach (var piece in new[] { 1, 7, 100, 999 }) Assert.Equal(whole, Evaluate(function, parameters, values, piece));
        // The digest is of the distinct values.
        var distinct = values.Distinct().ToArray();
        Assert.Equal(whole, Evaluate(function, parameters, distinct, distinct.Length));
    }

    [Theory]
    [InlineData("approx_median")]
    [InlineData("approx_percentile_cont")]
    public void Distinct_values_with_retractions_and_a_checkpoint_give_the_value_bags_result(string function)
    {
        object?[] parameters = function == "approx_percentile_cont" ? [0.25] : [];
        var tested = AggregateFactory.Create(function, [DataType.Float64], false, parameters, DataType.Float64, retracting: true, updatingAggregate: true);
        var oracle = new ValueBagAccumulator(function, [DataType.Float64], distinct: true, parameters, DataType.Float64);
        Assert.IsNotType<ValueBagAccumulator>(tested);
        var random = new Random(11);
        var live = new List<double>();
        foreach (var acc in new GroupAccumulator[] { tested, oracle })
        {
            acc.EnsureCapacity(1);
            acc.Clear(0);
        }
        for (var step = 0; step < 200; step++)
        {
            var retract = live.Count > 0 && random.Next(3) == 0;
            var value = retract ? live[random.Next(live.Count)] : Math.Round(random.NextDouble() * 50, 1);
            if (retract) live.Remove(value);
            else live.Add(value);
            var args = new[] { (Column)new PrimitiveColumn<double>(DataType.Float64, [value]) };
            foreach (var acc in new[] { tested, oracle }) acc.Update(args, [0], [retract]);
            if (step % 50 == 49)
            {
                // Checkpoint and restore the tested one.
                using var buffer = new MemoryStream();
                using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) tested.Write(0, writer);
                tested = AggregateFactory.Create(function, [DataType.Float64], false, parameters, DataType.Float64, retracting: true, updatingAggregate: true);
                tested.EnsureCapacity(1);
                buffer.Position = 0;
                using var reader = new BinaryReader(buffer);
                tested.Read(0, reader);
            }
            Assert.Equal(Result(oracle), Result(tested));
        }
    }

    private static double? Result(GroupAccumulator accumulator)
    {
        var output = ColumnBuilder.Create(DataType.Float64);
        accumulator.Evaluate(0, output);
        var column = output.Build();
        return column.IsNull(0) ? null : ((PrimitiveColumn<double>)column).Values[0];
    }
}
