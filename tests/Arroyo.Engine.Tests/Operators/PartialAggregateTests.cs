using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Arroyo.Operators.PartialAggregate;
using Arroyo.Operators.SlidingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The partial aggregate before a windowed aggregate's shuffle: it emits everything it holds
/// before a barrier, the end, an idle watermark or a watermark closing a window, and past its
/// bound; and a partial aggregate feeding the merging aggregate answers exactly as the
/// aggregate over the raw rows, in the same order, late rows and NULLs included.
/// </summary>
public sealed class PartialAggregateTests
{
    // k BIGINT, c TEXT NOT NULL, v BIGINT; the window struct.
    private static readonly Schema Input = FixedKeyWindowTests.Input;
    private static readonly DataType WindowType = FixedKeyWindowTests.WindowType;

    private static readonly AggregateCall[] Calls =
    [
        TestFunctions.Aggregate(Input, "count", [], "cnt"),
        TestFunctions.Aggregate(Input, "sum", [2], "total"),
        TestFunctions.Aggregate(Input, "max", [2], "mx"),
        TestFunctions.Aggregate(Input, "min", [1], "lo"),
    ];

    private const long Width = 10 * Second, Slide = 2 * Second;

    public enum Kind { Tumbling, Hop }

    private static Field KeyField(int column) => Input[column];

    private static Schema Output(int[] keys) => Schema.WithTimestamp([
        new Field("window", WindowType), .. keys.Select(KeyField),
        new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64), new Field("mx", DataType.Int64), new Field("lo", DataType.Utf8)]);

    private static PartialAggregateSpec PartialSpec(Kind kind, int[] keys, int maxGroups = PartialAggregateSpec.DefaultMaxGroups)
    {
        var fields = keys.Select(KeyField).ToList();
        fields.AddRange(Calls.Select((c, i) => new Field($"_partial_{i}", c.ResultType, true)));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        return new PartialAggregateSpec(Input, keys, Calls, kind == Kind.Tumbling ? Width : Slide, new Schema(fields)) { MaxGroups = maxGroups };
    }

    /// <summary>The aggregate over raw rows (<paramref name="partial"/> null) or merging the partials of <paramref name="partial"/>.</summary>
    private static IOperator Aggregate(Kind kind, int[] keys, PartialAggregateSpec? partial)
    {
        var input = partial?.Output ?? Input;
        var calls = partial is null ? Calls
            : Calls.Select((c, i) => TestFunctions.Aggregate(input, PartialAggregateSpec.MergingFunction(c), [keys.Length + i], c.OutputName)).ToArray();
        var keyColumns = partial is null ? keys : Enumerable.Range(0, keys.Length).ToArray();
        var registry = TestFunctions.Builtins.Aggregates;
        return kind == Kind.Tumbling
            ? new WindowedAggregator(input, keyColumns, calls, Width, Width, 0, Output(keys), registry)
            : new BinnedSlidingAggregator(input, keyColumns, calls, Width, Slide, 0, Output(keys), registry);
    }

    /// <summary>Hands what the partial emits straight to the merging aggregate (one subtask each: a forward edge).</summary>
    private sealed class Into(IOperator next, IOutput output) : IOutput
    {
        public void Emit(Batch batch) => next.OnBatch(batch, 0, output);

        public void EmitWatermark(Watermark watermark) => next.OnWatermark(watermark, output);
    }

    private abstract record Step;
    private sealed record Data(Batch Batch) : Step;
    private sealed record Mark(Watermark Watermark) : Step;
    private sealed record Barrier(long Epoch) : Step;

    /// <summary>
    /// Batches of keys with NULLs and values with NULLs around a moving event time, a share of
    /// them behind the watermark (late), watermarks that often stay inside a bin, idle ones,
    /// and barriers.
    /// </summary>
    private static List<Step> Script(int seed, int batches = 300, int batchRows = 40, int keys = 35)
    {
        var random = new Random(seed);
        var steps = new List<Step>();
        var now = 0L;
        var watermark = long.MinValue;
        for (var i = 0; i < batches; i++)
        {
            var rows = new object?[random.Next(1, batchRows)][];
            for (var r = 0; r < rows.Length; r++)
            {
                object? key = random.Next(10) == 0 ? null : (long)random.Next(-5, keys - 5);
                object? value = random.Next(8) == 0 ? null : (long)random.Next(-100, 1000);
                var t = now - random.NextInt64(random.Next(6) == 0 ? 14 * Second : Second);
                rows[r] = [key, "c" + random.Next(20), value, t];
            }
            steps.Add(new Data(Of(Input, rows)));
            now += random.NextInt64(Second / 2);
            switch (random.Next(10))
            {
                case < 5:
                    watermark = Math.Max(watermark, now - Second);
                    steps.Add(new Mark(Watermark.At(watermark)));
                    break;
                case 5:
                    steps.Add(new Mark(Watermark.Idle));
                    break;
                case 6:
                    steps.Add(new Barrier(i));
                    break;
            }
        }
        return steps;
    }

    /// <summary>Rows and watermarks in the order the aggregate emits them.</summary>
    private static List<string> Play(List<Step> steps, Kind kind, int[] keys, PartialAggregateSpec? partial) =>
        Play(steps, kind, keys, partial, out _);

    private static List<string> Play(List<Step> steps, Kind kind, int[] keys, PartialAggregateSpec? partial, out bool passedThrough)
    {
        passedThrough = false;
        var output = new CollectingOutput();
        var aggregate = Aggregate(kind, keys, partial);
        aggregate.Open(Context());
        IOperator first = aggregate;
        IOutput into = output;
        if (partial is not null)
        {
            first = new PartialAggregateOperator(partial, TestFunctions.Builtins);
            first.Open(Context());
            into = new Into(aggregate, output);
        }
        var state = new MemoryState();
        var log = new List<string>();
        void Drain()
        {
            log.AddRange(output.Rows().Select(CollectingOutput.Format));
            log.AddRange(output.Watermarks.Select(w => "watermark " + w));
            output.Batches.Clear();
            output.Watermarks.Clear();
        }
        foreach (var step in steps)
        {
            switch (step)
            {
                case Data data:
                    first.OnBatch(data.Batch, 0, into);
                    passedThrough |= first is PartialAggregateOperator { PassingThrough: true };
                    break;
                case Mark mark:
                    first.OnWatermark(mark.Watermark, into);
                    break;
                case Barrier barrier:
                    first.OnCheckpoint(new CheckpointBarrier(barrier.Epoch, false), state, into);
                    if (partial is not null) aggregate.OnCheckpoint(new CheckpointBarrier(barrier.Epoch, false), state, output);
                    break;
            }
            Drain();
        }
        first.OnWatermark(Watermark.Max, into);
        first.OnEnd(into);
        if (partial is not null) aggregate.OnEnd(output);
        Drain();
        return log;
    }

    [Theory]
    [InlineData(Kind.Tumbling, new[] { 0 }, 1)]
    [InlineData(Kind.Tumbling, new[] { 0, 1 }, 2)]
    [InlineData(Kind.Tumbling, new int[0], 3)]
    [InlineData(Kind.Hop, new[] { 0 }, 4)]
    [InlineData(Kind.Hop, new[] { 0, 1 }, 5)]
    [InlineData(Kind.Hop, new int[0], 6)]
    public void MergingPartialsAnswersAsTheRawRowsInTheSameOrder(Kind kind, int[] keys, int seed)
    {
        var steps = Script(seed);
        var expected = Play(steps, kind, keys, partial: null);
        Assert.True(expected.Count(l => !l.StartsWith("watermark", StringComparison.Ordinal)) > (keys.Length > 0 ? 30 : 5));
        if (keys.Length > 0) Assert.Contains(expected, l => l.Contains("]|null|", StringComparison.Ordinal)); // the NULL key's windows
        Assert.Equal(expected, Play(steps, kind, keys, PartialSpec(kind, keys)));
        // A tiny bound emits partials mid-stream: still the same answers.
        Assert.Equal(expected, Play(steps, kind, keys, PartialSpec(kind, keys, maxGroups: 3)));
    }

    [Theory]
    [InlineData(Kind.Tumbling, new[] { 0 })]
    [InlineData(Kind.Hop, new[] { 0, 1 })]
    public void RowsPassThroughWhenAggregatingDoesNotReduceThemWithTheSameAnswers(Kind kind, int[] keys)
    {
        // Keys with many values: hardly two rows of a key in a bin.
        var steps = Script(7, batches: 400, batchRows: 200, keys: 1_000_000);
        var expected = Play(steps, kind, keys, partial: null);
        Assert.Equal(expected, Play(steps, kind, keys, PartialSpec(kind, keys), out var passedThrough));
        Assert.True(passedThrough);
        // Few keys: aggregating pays and never stops.
        steps = Script(8, batches: 400, batchRows: 200, keys: 10);
        Assert.Equal(Play(steps, kind, [0], partial: null), Play(steps, kind, [0], PartialSpec(kind, [0]), out passedThrough));
        Assert.False(passedThrough);
    }

    [Theory]
    [InlineData(1_000_000)] // rows pass through
    [InlineData(10)] // rows are aggregated
    public void NothingItEmitsOrHoldsSharesTheInputsArrays(int keys)
    {
        // A nexmark source before it may overwrite a batch's arrays once OnBatch returns, while
        // the partials wait in a shuffle's queue: scribbling over every input right after its
        // call must not change a single emitted row.
        var spec = PartialSpec(Kind.Tumbling, [0]);
        var op = new PartialAggregateOperator(spec, TestFunctions.Builtins);
        Assert.False(op.RetainsInput);
        Assert.False(op.EmitsInputArrays);
        List<string> Emitted(bool scribble)
        {
            var partial = new PartialAggregateOperator(spec, TestFunctions.Builtins);
            var output = new CollectingOutput();
            var passedThrough = false;
            foreach (var step in Script(7, batches: 400, batchRows: 200, keys: keys))
            {
                if (step is Data data)
                {
                    partial.OnBatch(data.Batch, 0, output);
                    passedThrough |= partial.PassingThrough;
                    if (scribble) Scribble(data.Batch);
                }
                else if (step is Mark mark) partial.OnWatermark(mark.Watermark, output);
            }
            partial.OnEnd(output);
            Assert.Equal(keys > 1000, passedThrough);
            return output.Rows().Select(CollectingOutput.Format).ToList();
        }
        Assert.Equal(Emitted(scribble: false), Emitted(scribble: true));
    }

    private static void Scribble(Batch batch)
    {
        foreach (var column in batch.Columns)
        {
            if (column is Arroyo.Core.Columns.PrimitiveColumn<long> numbers) Array.Fill(numbers.Values, -999_999L);
            else if (column is Arroyo.Core.Columns.StringColumn strings) Array.Fill(strings.Data, (byte)'#');
        }
    }

    [Fact]
    public void LateRowsAreDecidedByTheMergingAggregate()
    {
        // Rows of a closed window reach the merging aggregate (as partials) and are dropped there.
        var steps = new List<Step>
        {
            new Data(Of(Input, [1L, "a", 5L, 1 * Second])),
            new Mark(Watermark.At(Width)),
            new Data(Of(Input, [1L, "a", 7L, 2 * Second], [1L, "a", 9L, Width + Second])),
        };
        var expected = Play(steps, Kind.Tumbling, [0], partial: null);
        Assert.Equal(expected, Play(steps, Kind.Tumbling, [0], PartialSpec(Kind.Tumbling, [0])));
        Assert.Contains(expected, l => l.Contains("|1|1|5|5|a|", StringComparison.Ordinal));
    }

    private static PartialAggregateOperator Holding(out CollectingOutput output, params long[] times)
    {
        var op = new PartialAggregateOperator(PartialSpec(Kind.Tumbling, [0], maxGroups: 4), TestFunctions.Builtins);
        output = new CollectingOutput();
        op.OnBatch(Of(Input, times.Select((t, i) => new object?[] { (long)i, "c", 1L, t }).ToArray()), 0, output);
        return op;
    }

    [Fact]
    public void PartialsAreHeldAcrossWatermarksInsideABinAndEmittedWhenOneClosesAWindow()
    {
        var op = Holding(out var output, Second, 2 * Second);
        // The first watermark emits: nothing was passed on before it.
        op.OnWatermark(Watermark.At(Second), output);
        Assert.Equal(2, output.Rows().Count);
        output.Batches.Clear();
        op.OnBatch(Of(Input, [7L, "c", 1L, 3 * Second]), 0, output);
        op.OnWatermark(Watermark.At(5 * Second), output);
        op.OnWatermark(Watermark.At(9 * Second), output);
        Assert.Empty(output.Batches);
        Assert.Equal(1, op.HeldGroups);
        op.OnWatermark(Watermark.At(Width), output);
        Assert.Single(output.Rows());
        Assert.Equal(0, op.HeldGroups);
        Assert.Equal(4, output.Watermarks.Count);
    }

    [Fact]
    public void EverythingIsEmittedBeforeABarrierTheEndAnIdleWatermarkAndPastTheBound()
    {
        var op = Holding(out var output, Second);
        op.OnCheckpoint(new CheckpointBarrier(1, false), new MemoryState(), output);
        Assert.Single(output.Rows());
        op = Holding(out output, Second);
        op.OnEnd(output);
        Assert.Single(output.Rows());
        op = Holding(out output, Second);
        op.OnWatermark(Watermark.Idle, output);
        Assert.Single(output.Rows());
        Assert.Equal([Watermark.Idle], output.Watermarks);
        op = Holding(out output, Second, Second, Second, Second);
        Assert.Equal(4, op.HeldGroups); // at the bound: held
        op = Holding(out output, Second, Second, Second, Second, Second);
        Assert.Equal(5, output.Rows().Count); // past it: emitted
        Assert.Equal(0, op.HeldGroups);
    }

    [Fact]
    public void ThePartialRowCarriesTheKeyThePartialsAndTheBinStart()
    {
        var op = new PartialAggregateOperator(PartialSpec(Kind.Hop, [0, 1]), TestFunctions.Builtins);
        var output = new CollectingOutput();
        op.OnBatch(Of(Input, [null, "x", 4L, 3 * Second + 5], [null, "x", null, 2 * Second], [2L, "y", 1L, -1L]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["null|x|2|4|4|x|" + 2 * Second, "2|y|1|1|1|y|" + -Slide], output.Rows().Select(CollectingOutput.Format));
    }

    [Fact]
    public void FilteredCountsPassThroughAsTheCountsOfTheRowsTheirFiltersKeep()
    {
        // count(*) FILTER, count(v) FILTER, count(v), count(*), as the binder plans
        // count(CASE WHEN f THEN 1 END) and count(CASE WHEN f THEN v END); f and v have NULLs.
        var input = Schema.WithTimestamp([new Field("k", DataType.Int64), new Field("v", DataType.Int64), new Field("f", DataType.Boolean)]);
        AggregateCall[] calls =
        [
            TestFunctions.Aggregate(input, "count", [], "star_f", filter: 2),
            TestFunctions.Aggregate(input, "count", [1], "v_f", filter: 2),
            TestFunctions.Aggregate(input, "count", [1], "v"),
            TestFunctions.Aggregate(input, "count", [], "star"),
        ];
        var fields = new List<Field> { input[0] };
        fields.AddRange(calls.Select((c, i) => new Field($"_partial_{i}", c.ResultType, true)));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var op = new PartialAggregateOperator(new PartialAggregateSpec(input, [0], calls, Width, new Schema(fields)), TestFunctions.Builtins);
        var random = new Random(5);
        var expected = new Dictionary<(long, long), long[]>();
        var output = new CollectingOutput();
        var passedThrough = false;
        for (var b = 0; b < 300; b++)
        {
            var rows = new object?[200][];
            for (var r = 0; r < rows.Length; r++)
            {
                // Keys with many values: hardly two rows of a key in a bin, so rows pass through.
                long key = random.Next(1_000_000);
                object? value = random.Next(5) == 0 ? null : (long)random.Next(100);
                object? keep = random.Next(6) == 0 ? null : random.Next(2) == 0;
                var t = (long)b * Second / 10;
                rows[r] = [key, value, keep, t];
                var bin = t - t % Width;
                var counts = expected.TryGetValue((key, bin), out var c) ? c : expected[(key, bin)] = new long[4];
                var kept = keep is true;
                counts[0] += kept ? 1 : 0;
                counts[1] += kept && value is not null ? 1 : 0;
                counts[2] += value is not null ? 1 : 0;
                counts[3]++;
            }
            op.OnBatch(Of(input, rows), 0, output);
            passedThrough |= op.PassingThrough;
        }
        op.OnEnd(output);
        Assert.True(passedThrough);
        // The merging aggregate sums the partial counts per key and bin (a row passed through keeps its own time).
        var merged = new Dictionary<(long, long), long[]>();
        foreach (var row in output.Rows())
        {
            var time = (long)row[^1]!;
            var key = ((long)row[0]!, time - time % Width);
            var counts = merged.TryGetValue(key, out var c) ? c : merged[key] = new long[4];
            for (var i = 0; i < 4; i++) counts[i] += (long)row[1 + i]!;
        }
        Assert.Equal(expected.Count, merged.Count);
        foreach (var (key, counts) in expected) Assert.Equal(counts, merged[key]);
    }

    [Theory]
    [InlineData(Kind.Tumbling, 2, 3)]
    [InlineData(Kind.Hop, 3, 1)]
    public void PartialsBeforeAShuffleRestoreAtAnotherParallelism(Kind kind, int before, int after)
    {
        // Raw rows at one subtask against: rows dealt round-robin to partials, their output
        // shuffled by key to the merging subtasks, a checkpoint, a restore at another parallelism.
        var keys = new[] { 0 };
        var steps = Script(11).OfType<Data>().Select(r => r.Batch).ToList();
        var rows = steps.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(b.GetRow)).ToArray();
        var half = rows.Length / 2;
        var expected = Run(rows, half, kind, keys, null, 1, 1);
        var actual = Run(rows, half, kind, keys, PartialSpec(kind, keys), before, after);
        Assert.True(expected.Count > 20);
        Assert.Equal(expected, actual);
    }

    private static List<string> Run(object?[][] rows, int half, Kind kind, int[] keys, PartialAggregateSpec? partial, int before, int after)
    {
        var state = new MemoryState();
        var results = new List<string>();
        var mergeKeys = partial is null ? keys : Enumerable.Range(0, keys.Length).ToArray();
        List<Batch> Partials(object?[][] part, int subtasks, Action<IOperator, CollectingOutput> finish)
        {
            var outputs = new List<Batch>();
            for (var s = 0; s < subtasks; s++)
            {
                var dealt = part.Where((_, i) => i % subtasks == s).ToArray();
                if (partial is null)
                {
                    outputs.Add(Of(Input, dealt));
                    continue;
                }
                var op = new PartialAggregateOperator(partial, TestFunctions.Builtins);
                var output = new CollectingOutput();
                op.OnBatch(Of(Input, dealt), 0, output);
                finish(op, output);
                outputs.AddRange(output.Batches.Where(b => b.RowCount > 0));
            }
            return outputs;
        }
        var first = Partials(rows[..half], before, (op, o) => op.OnCheckpoint(new CheckpointBarrier(1, true), state, o));
        for (var p = 0; p < before; p++)
        {
            var op = Aggregate(kind, keys, partial);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            foreach (var batch in first) op.OnBatch(Shuffle(batch, mergeKeys, before)[p], 0, output);
            op.OnWatermark(Watermark.At(20 * Second), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            results.AddRange(output.Rows().Select(CollectingOutput.Format));
        }
        var second = Partials(rows[half..], after, (op, o) => op.OnEnd(o));
        for (var p = 0; p < after; p++)
        {
            var op = Aggregate(kind, keys, partial);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            foreach (var batch in second) op.OnBatch(Shuffle(batch, mergeKeys, after)[p], 0, output);
            op.OnEnd(output);
            results.AddRange(output.Rows().Select(CollectingOutput.Format));
        }
        return results.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }
}
