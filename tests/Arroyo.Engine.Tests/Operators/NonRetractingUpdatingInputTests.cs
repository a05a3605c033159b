using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// An updating aggregate whose updating input the planner knows never retracts
/// (<see cref="UpdatingAggregateSpec.InputRetracts"/> false, e.g. over an inner join of
/// append-only streams): append-only accumulators, the same output as the retracting form.
/// </summary>
public sealed class NonRetractingUpdatingInputTests
{
    private static readonly Schema UpdatingInput = new([
        new Field("k", DataType.Int64), new Field("v", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema Output = new([
        new Field("k", DataType.Int64), new Field("top", DataType.Int64), new Field("n", DataType.Int64, false),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly AggregateCall[] MaxCount =
    [
        TestFunctions.Aggregate(UpdatingInput, "max", [1], "top"),
        TestFunctions.Aggregate(UpdatingInput, "count", [], "n"),
    ];

    private static UpdatingAggregateSpec Spec(bool inputRetracts) =>
        new(UpdatingInput, [0], MaxCount, Output, TimeSpan.FromHours(24), InputRetracts: inputRetracts);

    private static Batch Rows(int from, int count) =>
        Of(UpdatingInput, Enumerable.Range(from, count).Select(i => new object?[] { (long)(i % 7), (long)(i * 37 % 101), false, (long)i }).ToArray());

    private static List<string> Run(UpdatingAggregateSpec spec, MemoryState state)
    {
        var output = new CollectingOutput();
        var op = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
        op.Open(Context());
        op.OnBatch(Rows(0, 40), 0, output);
        op.OnTick(1, output);
        op.OnBatch(Rows(40, 40), 0, output);
        op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
        op.OnEnd(output);
        return output.RowStrings();
    }

    [Fact]
    public void GivesTheRowsOfTheRetractingForm()
    {
        var appendOnly = Run(Spec(inputRetracts: false), new MemoryState());
        Assert.Equal(Run(Spec(inputRetracts: true), new MemoryState()), appendOnly);
        Assert.Contains(appendOnly, row => row.Contains("|True|", StringComparison.Ordinal));
    }

    [Fact]
    public void KeepsNoRowCountAndRestoresItsOwnCheckpoint()
    {
        var spec = Spec(inputRetracts: false);
        var state = new MemoryState();
        Run(spec, state);
        var restored = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
        restored.Open(Context(0, 1, state.ReaderFor(0, 1)));
        var output = new CollectingOutput();
        restored.OnBatch(Of(UpdatingInput, [3L, 1000L, false, 100L]), 0, output);
        restored.OnEnd(output);
        // Key 3 had rows 3, 10, …, 73 (11 of them), the largest value 93: the new row, then the retraction of the restored one.
        Assert.Equal(["3|1000|12|False|100", "3|93|11|True|73"], output.RowStrings());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void RefusesACheckpointOfTheOtherForm(bool writtenRetracting, bool readRetracting)
    {
        // A build before the planner knew the join never retracts wrote q4's max aggregate in
        // the retracting form (row counts, a multiset per key); the state schemas differ.
        var state = new MemoryState();
        Run(Spec(writtenRetracting), state);
        var op = new UpdatingAggregateOperator(Spec(readRetracting), TestFunctions.Builtins);
        var error = Assert.Throws<StateFormatException>(() => op.Open(Context(0, 1, state.ReaderFor(0, 1))));
        Assert.Contains("different schema", error.Message);
    }

    [Fact]
    public void ARetractionIsABugNotACount()
    {
        var op = new UpdatingAggregateOperator(Spec(inputRetracts: false), TestFunctions.Builtins);
        op.Open(Context());
        var error = Assert.Throws<InvalidOperationException>(() => op.OnBatch(Of(UpdatingInput, [1L, 5L, false, 1L], [1L, 5L, true, 2L]), 0, new CollectingOutput()));
        Assert.Contains("never retracts", error.Message);
    }
}
