using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.WindowMaxRows;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

public sealed class WindowMaxRowsTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64)]);

    private static WindowMaxRowsSpec Spec(bool partial = false, bool minimum = false, long width = 10 * Second) => new(Input, 1, minimum, width, partial);

    private static WindowMaxRowsOperator Open(WindowMaxRowsSpec spec, IStateReader? state = null, int subtask = 0, int parallelism = 1)
    {
        var op = new WindowMaxRowsOperator(spec);
        op.Open(Context(subtask, parallelism, state));
        return op;
    }

    [Fact]
    public void KeepsEveryRowAtTheMaximumIncludingTiesAndEmitsThemWhenTheWindowCloses()
    {
        var op = Open(Spec());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 5L, 1 * Second], ["b", null, 2 * Second], ["c", 7L, 3 * Second]), 0, output);
        op.OnBatch(Of(Input, ["d", 7L, 4 * Second], ["e", 6L, 5 * Second], ["f", 9L, 12 * Second]), 0, output);
        op.OnWatermark(Watermark.At(10 * Second - 1), output);
        Assert.Empty(output.Batches);
        op.OnWatermark(Watermark.At(10 * Second), output);
        // Rows keep their own timestamps; the NULL never counts.
        Assert.Equal(["c|7|3000000000", "d|7|4000000000"], output.RowStrings());
        op.OnEnd(output);
        Assert.Equal(["c|7|3000000000", "d|7|4000000000", "f|9|12000000000"], output.RowStrings());
    }

    [Fact]
    public void AHigherValueDropsTheRowsKeptSoFar()
    {
        var op = Open(Spec());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 5L, 1 * Second], ["b", 5L, 2 * Second]), 0, output);
        op.OnBatch(Of(Input, ["c", 4L, 3 * Second]), 0, output);
        op.OnBatch(Of(Input, ["d", 8L, 3 * Second], ["e", 8L, 3 * Second], ["f", 1L, 3 * Second]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["d|8|3000000000", "e|8|3000000000"], output.RowStrings());
    }

    [Fact]
    public void AWindowOfOnlyNullsEmitsNothing()
    {
        var op = Open(Spec());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", null, 1 * Second], ["b", null, 2 * Second]), 0, output);
        op.OnEnd(output);
        Assert.Empty(output.Rows());
    }

    [Fact]
    public void MinimumKeepsTheRowsAtTheSmallestValue()
    {
        var op = Open(Spec(minimum: true));
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", -5L, 1 * Second], ["b", long.MinValue, 2 * Second], ["c", long.MaxValue, 3 * Second], ["d", long.MinValue, 4 * Second]), 0, output);
        op.OnEnd(output);
        Assert.Equal([$"b|{long.MinValue}|2000000000", $"d|{long.MinValue}|4000000000"], output.RowStrings());
    }

    [Fact]
    public void ABatchAcrossWindowsIsSplitByWindow()
    {
        var op = Open(Spec());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 1 * Second], ["b", 9L, 11 * Second], ["c", 3L, 2 * Second], ["d", 2L, 15 * Second], ["e", 3L, -1]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["b|9|11000000000", "c|3|2000000000", "e|3|-1"], output.RowStrings());
    }

    [Fact]
    public void PerTimestampWindowsCloseWhenTheWatermarkPassesTheTimestamp()
    {
        var op = Open(Spec(width: 1));
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 3L, 10 * Second - 1], ["b", 4L, 10 * Second - 1], ["c", 1L, 12 * Second - 1]), 0, output);
        op.OnWatermark(Watermark.At(10 * Second - 1), output);
        Assert.Empty(output.Batches);
        op.OnWatermark(Watermark.At(10 * Second), output);
        Assert.Equal(["b|4|9999999999"], output.RowStrings());
        op.OnEnd(output);
        Assert.Equal(["b|4|9999999999", "c|1|11999999999"], output.RowStrings());
    }

    [Fact]
    public void LateRowsAreDroppedWhenMergingAndPassedOnByAPartialPhase()
    {
        var merged = Open(Spec());
        var partial = Open(Spec(partial: true));
        var mergedOut = new CollectingOutput();
        var partialOut = new CollectingOutput();
        foreach (var (op, output) in new[] { (merged, mergedOut), (partial, partialOut) })
        {
            op.OnBatch(Of(Input, ["a", 1L, 1 * Second]), 0, output);
            op.OnWatermark(Watermark.At(10 * Second), output);
            op.OnBatch(Of(Input, ["late", 50L, 2 * Second]), 0, output);
            op.OnEnd(output);
        }
        Assert.Equal(["a|1|1000000000"], mergedOut.RowStrings());
        // Only the merging phase knows the watermark every upstream agrees on.
        Assert.Equal(["a|1|1000000000", "late|50|2000000000"], partialOut.RowStrings());
    }

    [Fact]
    public void IntegerAndDateColumnsAreCompared()
    {
        var schema = Schema.WithTimestamp([new Field("d", DataType.Date), new Field("i", DataType.Int32)]);
        foreach (var column in new[] { 0, 1 })
        {
            var op = new WindowMaxRowsOperator(new WindowMaxRowsSpec(schema, column, false, 10 * Second, false));
            op.Open(Context());
            var output = new CollectingOutput();
            op.OnBatch(Of(schema, [3, 100, 1L], [19000, -2, 2L], [-7, 100, 3L]), 0, output);
            op.OnEnd(output);
            Assert.Equal(column == 0 ? ["19000|-2|2"] : ["-7|100|3", "3|100|1"], output.RowStrings());
        }
    }

    [Fact]
    public void FloatingPointColumnsAreRefused() =>
        Assert.Throws<ArgumentException>(() => new WindowMaxRowsOperator(new WindowMaxRowsSpec(Schema.WithTimestamp([new Field("x", DataType.Float64)]), 0, false, 1, false)));

    /// <summary>Random rows with many ties and NULLs over a few windows.</summary>
    private static object?[][] RandomRows(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => new object?[] { "r" + i, random.Next(9) == 0 ? null : (long)random.Next(12), random.NextInt64(45 * Second) })
            .ToArray();
    }

    /// <summary>The rows at each window's maximum, computed from all rows (what the join returns).</summary>
    private static List<string> Expected(object?[][] rows) => rows
        .Where(r => r[1] is not null)
        .GroupBy(r => (long)r[2]! / (10 * Second))
        .SelectMany(g => g.Where(r => (long)r[1]! == g.Max(x => (long)x[1]!)))
        .Select(CollectingOutput.Format).OrderBy(s => s, StringComparer.Ordinal).ToList();

    [Fact]
    public void TwoPhasesGiveTheRowsAtEachWindowsMaximum()
    {
        var rows = RandomRows(7, 600);
        // Two partial subtasks over alternating batches of 50 rows, then one merging subtask.
        var merged = Open(Spec());
        var mergedOut = new CollectingOutput();
        for (var p = 0; p < 2; p++)
        {
            var partial = Open(Spec(partial: true), subtask: p, parallelism: 2);
            var output = new CollectingOutput();
            foreach (var chunk in rows.Chunk(50).Where((_, i) => i % 2 == p)) partial.OnBatch(Of(Input, chunk), 0, output);
            partial.OnEnd(output);
            foreach (var batch in output.Batches) merged.OnBatch(batch, 0, mergedOut);
        }
        merged.OnEnd(mergedOut);
        Assert.Equal(Expected(rows), mergedOut.RowStrings());
    }

    /// <summary>
    /// Subtask <paramref name="p"/>'s batches: a partial phase's input is whatever its upstream
    /// subtask read (here every n-th batch); the merging phase's comes through a shuffle on no
    /// keys, so one subtask gets every row.
    /// </summary>
    private static IEnumerable<Arroyo.Core.Batch> Route(object?[][][] chunks, bool partial, int p, int n) => partial
        ? chunks.Where((_, i) => i % n == p).Select(c => Of(Input, c))
        : chunks.Select(c => Shuffle(Of(Input, c), [], n)[p]);

    [Theory]
    [InlineData(2, 3, false)]
    [InlineData(1, 2, true)]
    [InlineData(3, 1, false)]
    public void CheckpointMidWindowRestoresAtAnotherParallelism(int before, int after, bool partial)
    {
        var rows = RandomRows(11, 400);
        var state = new MemoryState();
        var outputs = new List<string>();
        var first = rows[..200].Chunk(40).ToArray();
        for (var p = 0; p < before; p++)
        {
            var op = Open(Spec(partial), subtask: p, parallelism: before);
            var output = new CollectingOutput();
            foreach (var batch in Route(first, partial, p, before)) op.OnBatch(batch, 0, output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            outputs.AddRange(output.RowStrings());
        }
        Assert.Equal(["window_max_rows.v1"], state.Tables);
        var second = rows[200..].Chunk(40).ToArray();
        var merged = Open(Spec());
        var mergedOut = new CollectingOutput();
        for (var p = 0; p < after; p++)
        {
            var op = Open(Spec(partial), state.ReaderFor(p, after), p, after);
            var output = new CollectingOutput();
            foreach (var batch in Route(second, partial, p, after)) op.OnBatch(batch, 0, output);
            op.OnEnd(output);
            // A partial phase's output is merged as the plan does; a merging phase's is final.
            if (partial) foreach (var batch in output.Batches) merged.OnBatch(batch, 0, mergedOut);
            else outputs.AddRange(output.RowStrings());
        }
        merged.OnEnd(mergedOut);
        outputs.AddRange(mergedOut.RowStrings());
        Assert.Equal(Expected(rows), outputs.OrderBy(s => s, StringComparer.Ordinal).ToList());
    }
}
