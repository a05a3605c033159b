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
}
