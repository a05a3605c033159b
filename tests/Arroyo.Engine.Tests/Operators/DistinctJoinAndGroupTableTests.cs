using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Arroyo.Operators.TumblingAggregate;
using Arroyo.Operators.WindowedJoin;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The tumbling GROUP BY without aggregates (kept input batches instead of encoded keys), the
/// windowed join that hashes its smaller side, and the paged group table, each checked against
/// a simpler model.
/// </summary>
public sealed class DistinctJoinAndGroupTableTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("d", DataType.Float64)]);

    private static readonly DataType WindowType = DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)]);

    // GROUP BY k, window, v: the window sits between the keys in the output.
    private static readonly Schema DistinctOutput = Schema.WithTimestamp([
        new Field("k", DataType.Utf8), new Field("window", WindowType), new Field("v", DataType.Int64), new Field("d", DataType.Float64)]);

    private static TumblingAggregateSpec DistinctSpec => new(Input, [0, 1, 2], [], 10 * Second, 1, DistinctOutput);

    private static IOperator General(TumblingAggregateSpec spec) =>
        new WindowedAggregator(spec.Input, spec.KeyColumns, spec.Aggregates, spec.WidthNanos, spec.WidthNanos, spec.WindowOutputIndex, spec.Output, TestFunctions.Builtins.Aggregates);

    /// <summary>Rows with many duplicates, NULLs, NaN and ±0.0 (distinct by bits), spread over windows, out of time order.</summary>
    private static object?[][] Data(int seed, int count, int distinct)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var k = random.Next(distinct);
            object? text = k % 13 == 0 ? null : "key-" + (k % 17) + new string('x', k % 5 * 40);
            object? value = k % 11 == 0 ? null : (long)(k % 7);
            object? d = (k % 4) switch { 0 => double.NaN, 1 => -0.0, 2 => 0.0, _ => k * 0.5 };
            return new object?[] { text, value, d, (long)random.Next(0, 60) * Second / 2 };
        }).ToArray();
    }

    private static List<string> RunInPieces(IOperator op, object?[][] rows, int pieceSize, long? midWatermark)
    {
        op.Open(Context());
        var output = new CollectingOutput();
        for (var i = 0; i < rows.Length; i += pieceSize)
        {
            op.OnBatch(Of(Input, rows[i..Math.Min(rows.Length, i + pieceSize)]), 0, output);
            if (midWatermark is { } w && i == pieceSize * 3) op.OnWatermark(Watermark.At(w), output);
        }
        op.OnEnd(output);
        return output.Rows().Select(CollectingOutput.Format).ToList();
    }

    [Theory]
    [InlineData(1, 500, 40, 7)]       // mostly duplicates: kept batches get compacted
    [InlineData(2, 500, 100000, 64)]  // all new: batches kept as they are
    [InlineData(3, 2000, 900, 300)]   // about half new
    [InlineData(4, 20000, 30000, 5000)] // pieces merged and split at the output batch size
    [InlineData(6, 250000, 1000000, 8192)] // over 65 536 keys a window: the index's entries span pages
    public void TumblingDistinctEmitsWhatTheGeneralAggregatorDoesInTheSameOrder(int seed, int count, int distinct, int pieceSize)
    {
        var rows = Data(seed, count, distinct);
        foreach (var watermark in new long?[] { null, 10 * Second, 25 * Second })
        {
            var expected = RunInPieces(General(DistinctSpec), rows, pieceSize, watermark);
            var actual = RunInPieces(new TumblingAggregateOperator(DistinctSpec, TestFunctions.Builtins), rows, pieceSize, watermark);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void TumblingDistinctEmitsKeptBatchesAsTheyCameWithTheWindowColumnsShared()
    {
        // Six source-sized batches of new rows, then a few small ones: the big ones leave as they
        // came (no copy of a window that holds every input row), the small ones merged into one.
        var op = new TumblingAggregateOperator(DistinctSpec, TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        var inputs = new List<Arroyo.Core.Batch>();
        var next = 0;
        foreach (var size in new[] { 200, 200, 200, 200, 200, 200, 5, 7, 3 })
        {
            var rows = Enumerable.Range(next, size).Select(i => new object?[] { "row-" + i, (long)i, i * 0.5, (long)(i % 100) * Second / 20 }).ToArray();
            next += size;
            var batch = Of(Input, rows);
            inputs.Add(batch);
            op.OnBatch(batch, 0, output);
        }
        op.OnEnd(output);

        Assert.Equal([200, 200, 200, 200, 200, 200, 15], output.Batches.Select(b => b.RowCount));
        for (var i = 0; i < 6; i++)
        {
            Assert.Same(inputs[i].Columns[0], output.Batches[i].Columns[0]);
            Assert.Same(inputs[i].Columns[2], output.Batches[i].Columns[3]);
        }
        var timestamps = output.Batches.Select(b => b.Timestamps.Values).Distinct().Count();
        Assert.Equal(1, timestamps);
        Assert.Equal(Enumerable.Range(0, next).Select(i => "row-" + i), output.Rows().Select(r => (string)r[0]!));
        Assert.All(output.Rows(), r => Assert.Equal(10 * Second - 1, (long)r[4]!));
    }

    [Theory]
    [InlineData(2, 3, true)]
    [InlineData(1, 2, false)]
    [InlineData(3, 1, true)]
    public void TumblingDistinctRestoresAtAnotherParallelismAndReadsTheGeneralFormat(int before, int after, bool writtenByGeneral)
    {
        // The second half has no rows in the window the watermark closes between the halves (a
        // restored operator starts without a watermark, so it would not know them late).
        var all = Data(5, 3000, 700);
        var rows = all[..1500].Concat(all[1500..].Where(r => (long)r[3]! >= 10 * Second)).ToArray();
        // The straight run: the same watermark between the halves, so the same rows are late.
        var straight = General(DistinctSpec);
        straight.Open(Context());
        var straightOutput = new CollectingOutput();
        straight.OnBatch(Of(Input, rows[..1500]), 0, straightOutput);
        straight.OnWatermark(Watermark.At(10 * Second), straightOutput);
        straight.OnBatch(Of(Input, rows[1500..]), 0, straightOutput);
        straight.OnEnd(straightOutput);
        var expected = straightOutput.RowStrings();

        var state = new MemoryState();
        var outputs = new List<string>();
        var first = Of(Input, rows[..1500]);
        var parts = Shuffle(first, [0, 1, 2], before);
        for (var p = 0; p < before; p++)
        {
            var op = writtenByGeneral ? General(DistinctSpec) : new TumblingAggregateOperator(DistinctSpec, TestFunctions.Builtins);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnWatermark(Watermark.At(10 * Second), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            outputs.AddRange(output.Rows().Select(CollectingOutput.Format));
        }
        var second = Of(Input, rows[1500..]);
        Assert.True(second.RowCount > 500);
        var restoredParts = Shuffle(second, [0, 1, 2], after);
        for (var p = 0; p < after; p++)
        {
            var op = new TumblingAggregateOperator(DistinctSpec, TestFunctions.Builtins);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            op.OnBatch(restoredParts[p], 0, output);
            op.OnEnd(output);
            outputs.AddRange(output.Rows().Select(CollectingOutput.Format));
        }
        Assert.Equal(expected, outputs.OrderBy(s => s, StringComparer.Ordinal).ToList());
    }

    private static readonly Schema Right = Schema.WithTimestamp([new Field("k2", DataType.Utf8), new Field("w", DataType.Int64)]);

    private static readonly Schema JoinOutput = Schema.WithTimestamp([
        new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("d", DataType.Float64),
        new Field("k2", DataType.Utf8), new Field("w", DataType.Int64)]);

    [Theory]
    [InlineData(JoinKind.Inner, 50, 400)]
    [InlineData(JoinKind.Inner, 400, 50)]
    [InlineData(JoinKind.Left, 50, 400)]
    [InlineData(JoinKind.Left, 400, 50)]
    [InlineData(JoinKind.Right, 50, 400)]
    [InlineData(JoinKind.Right, 400, 50)]
    [InlineData(JoinKind.Full, 50, 400)]
    [InlineData(JoinKind.Full, 400, 50)]
    public void WindowedJoinMatchesANestedLoopWhicheverSideIsSmaller(JoinKind kind, int leftRows, int rightRows)
    {
        var random = new Random(leftRows * 31 + (int)kind);
        string? Key() => random.Next(10) == 0 ? null : "k" + random.Next(30);
        long Time() => random.Next(3) * 10L;
        var left = Enumerable.Range(0, leftRows).Select(i => new object?[] { Key(), (long)i, i * 0.25, Time() }).ToArray();
        var right = Enumerable.Range(0, rightRows).Select(i => new object?[] { Key(), (long)i, Time() }).ToArray();

        var op = new WindowedJoinOperator(new WindowedJoinSpec(kind, Input, Right, [0], [0], JoinOutput));
        op.Open(Context());
        var result = new CollectingOutput();
        // Mixed timestamps within batches, fed in several pieces.
        for (var i = 0; i < left.Length; i += 37) op.OnBatch(Of(Input, left[i..Math.Min(left.Length, i + 37)]), 0, result);
        for (var i = 0; i < right.Length; i += 41) op.OnBatch(Of(Right, right[i..Math.Min(right.Length, i + 41)]), 1, result);
        op.OnEnd(result);

        var expected = new List<string>();
        foreach (var t in new[] { 0L, 10L, 20L })
        {
            var l = left.Where(r => (long)r[3]! == t).ToList();
            var rr = right.Where(r => (long)r[2]! == t).ToList();
            var rightMatched = new HashSet<object?[]>();
            foreach (var a in l)
            {
                var matches = rr.Where(b => a[0] is not null && Equals(a[0], b[0])).ToList();
                foreach (var b in matches)
                {
                    expected.Add(CollectingOutput.Format([a[0], a[1], a[2], b[0], b[1], t]));
                    rightMatched.Add(b);
                }
                if (matches.Count == 0 && kind is JoinKind.Left or JoinKind.Full) expected.Add(CollectingOutput.Format([a[0], a[1], a[2], null, null, t]));
            }
            if (kind is JoinKind.Right or JoinKind.Full)
            {
                foreach (var b in rr.Where(b => !rightMatched.Contains(b))) expected.Add(CollectingOutput.Format([null, null, null, b[0], b[1], t]));
            }
        }
        Assert.Equal(expected.OrderBy(s => s, StringComparer.Ordinal), result.RowStrings());
    }

    [Fact]
    public void GroupTableAgreesWithADictionaryThroughAddsRemovalsAndCompaction()
    {
        var table = new GroupTable();
        var model = new Dictionary<string, int>();
        var random = new Random(7);
        byte[] KeyBytes(int k)
        {
            // An 8-byte prefix (as KeyCodec writes), then a body whose length varies; a few are larger than a page.
            var length = k % 1000 == 0 ? GroupTable.MaxPageSize + 100 : 8 + k % 300;
            var bytes = new byte[length];
            BitConverter.TryWriteBytes(bytes, (long)(k % 5));
            for (var i = 8; i < length; i++) bytes[i] = (byte)(k * 31 + i);
            BitConverter.TryWriteBytes(bytes.AsSpan(8), k);
            return bytes;
        }
        static ulong Hash(int k) => (ulong)k * 0x9E3779B97F4A7C15UL;
        for (var step = 0; step < 60000; step++)
        {
            var k = random.Next(8000);
            var name = k.ToString();
            if (random.Next(3) > 0)
            {
                var g = table.FindOrAdd(Hash(k), KeyBytes(k), out var added);
                Assert.Equal(!model.ContainsKey(name), added);
                if (added) model[name] = g;
                else Assert.Equal(model[name], g);
            }
            else if (model.Remove(name, out var g))
            {
                Assert.Equal(g, table.Find(Hash(k), KeyBytes(k)));
                table.Remove(g);
            }
            if (step % 5000 == 0 && model.Count > 0)
            {
                // Remove most of the table at once, as a closing window does.
                var victims = model.Where(_ => random.Next(4) > 0).ToList();
                table.RemoveMany(victims.Select(v => v.Value).ToList());
                foreach (var v in victims) model.Remove(v.Key);
            }
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (name, g) in model)
        {
            var k = int.Parse(name);
            Assert.True(KeyBytes(k).AsSpan().SequenceEqual(table.KeyOf(g)));
            Assert.Equal(g, table.Find(Hash(k), KeyBytes(k)));
        }
        // Emptying the table gives its pages back.
        table.RemoveMany(model.Values.ToList());
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.KeyBytesHeld);
    }
}
