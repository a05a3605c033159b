using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.SlidingAggregate;
using Arroyo.Operators.TumblingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

public sealed class WindowedAggregateTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64)]);

    private static readonly DataType WindowType = DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)]);

    private static readonly Schema Output = Schema.WithTimestamp([
        new Field("window", WindowType), new Field("k", DataType.Utf8),
        new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64), new Field("mx", DataType.Int64)]);

    private static readonly AggregateCall[] Calls =
    [
        TestFunctions.Aggregate(Input, "count", [], "cnt"),
        TestFunctions.Aggregate(Input, "sum", [1], "total"),
        TestFunctions.Aggregate(Input, "max", [1], "mx"),
    ];

    private static TumblingAggregateSpec Tumbling => new(Input, [0], Calls, 10 * Second, 0, Output);

    private static object?[][] Data(int from, int to) => Enumerable.Range(from, to - from)
        .Select(i => new object?[] { "key" + (i % 7), (long)i, i * Second / 3 }).ToArray();

    [Fact]
    public void TumblingEmitsEachWindowWhenTheWatermarkPassesItsEnd()
    {
        var op = new TumblingAggregateOperator(Tumbling, TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 1 * Second], ["a", 2L, 9 * Second], ["b", 5L, 12 * Second]), 0, output);
        op.OnWatermark(Watermark.At(9 * Second), output);
        Assert.Empty(output.Batches);
        op.OnWatermark(Watermark.At(10 * Second), output);
        var row = Assert.Single(output.Rows());
        Assert.Equal(new object?[] { new object?[] { 0L, 10 * Second }, "a", 2L, 3L, 2L, 10 * Second - 1 }, row);
        // Late: window [0,10) is closed.
        op.OnBatch(Of(Input, ["a", 100L, 5 * Second]), 0, output);
        op.OnEnd(output);
        Assert.Equal(2, output.Rows().Count);
        Assert.Equal("b", output.Rows()[1][1]);
    }

    [Fact]
    public void SlidingPutsEachRowInEveryCoveringWindow()
    {
        var spec = new SlidingAggregateSpec(Input, [0], Calls, 10 * Second, 5 * Second, 0, Output);
        var op = new SlidingAggregateOperator(spec, TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 7 * Second]), 0, output);
        op.OnEnd(output);
        var rows = output.Rows();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => ((object?[])r[0]!)[0] is 0L);
        Assert.Contains(rows, r => ((object?[])r[0]!)[0] is 5 * Second);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    public void CheckpointRestoresAtAnotherParallelism(int before, int after)
    {
        var all = Of(Input, Data(0, 200));
        var expected = Run(new TumblingAggregateOperator(Tumbling, TestFunctions.Builtins), all).RowStrings();

        var first = Of(Input, Data(0, 100));
        var second = Of(Input, Data(100, 200));
        var state = new MemoryState();
        var outputs = new List<string>();
        var parts = Shuffle(first, [0], before);
        for (var p = 0; p < before; p++)
        {
            var op = new TumblingAggregateOperator(Tumbling, TestFunctions.Builtins);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnWatermark(Watermark.At(20 * Second), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            outputs.AddRange(output.RowStrings());
        }
        var restoredParts = Shuffle(second, [0], after);
        for (var p = 0; p < after; p++)
        {
            var op = new TumblingAggregateOperator(Tumbling, TestFunctions.Builtins);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            op.OnBatch(restoredParts[p], 0, output);
            op.OnEnd(output);
            outputs.AddRange(output.RowStrings());
        }
        Assert.Equal(expected, outputs.OrderBy(s => s, StringComparer.Ordinal).ToList());
    }

    private static SlidingAggregateSpec Sliding => new(Input, [0], Calls, 10 * Second, 2 * Second, 0, Output);

    private static IOperator PerWindow(SlidingAggregateSpec spec) => new Arroyo.Operators.Grouping.WindowedAggregator(
        spec.Input, spec.KeyColumns, spec.Aggregates, spec.WidthNanos, spec.SlideNanos, spec.WindowOutputIndex, spec.Output, TestFunctions.Builtins.Aggregates);

    [Fact]
    public void TwoPhaseSlidingGivesThePerWindowOutputInTheSameOrder()
    {
        Assert.True(Calls.All(c => Arroyo.Dataflow.Specs.PartialAggregateSpec.Merges(c, Input)));
        // Rows out of time order, a watermark mid-way (late rows dropped the same way), nulls in the sum/max.
        var rows = Data(0, 300).Reverse().Concat(Data(300, 400))
            .Select((r, i) => i % 11 == 0 ? new object?[] { r[0], null, r[2] } : r).ToArray();
        foreach (var mid in new[] { 5 * Second, 40 * Second, 90 * Second })
        {
            var expected = RunSplit(PerWindow(Sliding), rows, mid);
            var actual = RunSplit(new SlidingAggregateOperator(Sliding, TestFunctions.Builtins), rows, mid);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void TwoPhaseSlidingMatchesThePerWindowPathWhenKeysComeAndGo()
    {
        // Keys "once…" have one row (one bin per window: results straight from the partial),
        // keys "hot…" a row every bin (combined across bins); every key's bins close long
        // before the input ends, so key ids are freed and reused. Rows of each 6 s are
        // reversed, so earlier bins of a key are looked up after later ones.
        var random = new Random(15);
        var rows = new List<object?[]>();
        for (var block = 0; block < 20; block++)
        {
            var chunk = new List<object?[]>();
            for (var i = 0; i < 40; i++)
            {
                var t = block * 6 * Second + random.NextInt64(6 * Second);
                var key = random.Next(3) == 0 ? $"once{block}_{i}" : $"hot{random.Next(4) + block % 3}";
                chunk.Add([key, random.Next(5) == 0 ? null : (long)random.Next(100), t]);
            }
            chunk.Sort((a, b) => ((long)b[2]!).CompareTo((long)a[2]!));
            rows.AddRange(chunk);
        }
        var data = rows.ToArray();
        foreach (var mid in new[] { 3 * Second, 33 * Second, 70 * Second })
        {
            var expected = RunSplit(PerWindow(Sliding), data, mid);
            var actual = RunSplit(new SlidingAggregateOperator(Sliding, TestFunctions.Builtins), data, mid);
            Assert.Equal(expected, actual);
        }
    }

    private static List<string> RunSplit(IOperator op, object?[][] rows, long watermark)
    {
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, rows[..150]), 0, output);
        op.OnWatermark(Watermark.At(watermark), output);
        op.OnBatch(Of(Input, rows[150..]), 0, output);
        op.OnEnd(output);
        return output.Rows().Select(r => string.Join("|", r.Select(Format))).ToList();
    }

    private static string Format(object? value) => value is object?[] a ? "(" + string.Join(",", a.Select(Format)) + ")" : value?.ToString() ?? "null";

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    public void SlidingCheckpointRestoresAtAnotherParallelism(int before, int after)
    {
        var all = Of(Input, Data(0, 200));
        var expected = Run(new SlidingAggregateOperator(Sliding, TestFunctions.Builtins), all).RowStrings();
        Assert.Equal(expected, Run(PerWindow(Sliding), all).RowStrings());

        var first = Of(Input, Data(0, 100));
        var second = Of(Input, Data(100, 200));
        var state = new MemoryState();
        var outputs = new List<string>();
        var parts = Shuffle(first, [0], before);
        for (var p = 0; p < before; p++)
        {
            var op = new SlidingAggregateOperator(Sliding, TestFunctions.Builtins);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnWatermark(Watermark.At(20 * Second), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            outputs.AddRange(output.RowStrings());
        }
        var restoredParts = Shuffle(second, [0], after);
        for (var p = 0; p < after; p++)
        {
            var op = new SlidingAggregateOperator(Sliding, TestFunctions.Builtins);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            op.OnBatch(restoredParts[p], 0, output);
            op.OnEnd(output);
            outputs.AddRange(output.RowStrings());
        }
        Assert.Equal(expected, outputs.OrderBy(s => s, StringComparer.Ordinal).ToList());
    }

    private static CollectingOutput Run(IOperator op, Arroyo.Core.Batch batch)
    {
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(batch, 0, output);
        op.OnWatermark(Watermark.At(20 * Second), output);
        op.OnEnd(output);
        return output;
    }
}
