using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Arroyo.Operators.SlidingAggregate;
using Arroyo.Operators.TumblingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// Windowed aggregates whose key is no column or one 64-bit column find their groups by value
/// (<see cref="LongKeyTable"/>); every other key goes through the encoded-key table. Each case
/// runs the same rows both ways — the fast path grouped by k (or nothing), the encoded path by
/// (k, c) (or c) with c a constant text — and the answers, restores at other parallelisms included, must agree.
/// </summary>
public sealed class FixedKeyWindowTests
{
    internal static readonly Schema Input = Schema.WithTimestamp([
        new Field("k", DataType.Int64), new Field("c", DataType.Utf8, false), new Field("v", DataType.Int64)]);

    internal static readonly DataType WindowType = DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)]);

    private static readonly AggregateCall[] Calls =
    [
        TestFunctions.Aggregate(Input, "count", [], "cnt"),
        TestFunctions.Aggregate(Input, "sum", [2], "total"),
        TestFunctions.Aggregate(Input, "max", [2], "mx"),
    ];

    private static Schema Output(params Field[] keys) => Schema.WithTimestamp([
        new Field("window", WindowType), .. keys,
        new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64), new Field("mx", DataType.Int64)]);

    private static readonly Field K = new("k", DataType.Int64);
    private static readonly Field C = new("c", DataType.Utf8, false);

    public enum Kind { Tumbling, TwoPhaseHop, PerWindowHop }

    private static IOperator Make(Kind kind, int[] keys)
    {
        var output = Output(keys.Select(k => k == 0 ? K : C).ToArray());
        var byValue = !keys.Contains(1);
        if (kind == Kind.TwoPhaseHop)
        {
            var binned = new BinnedSlidingAggregator(Input, keys, Calls, 10 * Second, 2 * Second, 0, output, TestFunctions.Builtins.Aggregates);
            Assert.Equal(byValue, binned.FindsKeysByValue);
            return binned;
        }
        var slide = kind == Kind.Tumbling ? 10 * Second : 2 * Second;
        var windowed = new WindowedAggregator(Input, keys, Calls, 10 * Second, slide, 0, output, TestFunctions.Builtins.Aggregates);
        Assert.Equal(byValue, windowed.FindsGroupsByValue);
        return windowed;
    }

    [Fact]
    public void TheOperatorsTakeTheValuePathForAnInt64KeyOrNone()
    {
        // What the planner's specs build (q12: tumble by bidder; q5: hop by auction; the JSON tumble and hop: by the window alone).
        var tumbling = (TumblingAggregateSpec spec) => (WindowedAggregator)new TumblingAggregateOperator(spec, TestFunctions.Builtins).Inner;
        var sliding = (SlidingAggregateSpec spec) => (BinnedSlidingAggregator)new SlidingAggregateOperator(spec, TestFunctions.Builtins).Inner;
        Assert.True(tumbling(new TumblingAggregateSpec(Input, [0], Calls, 10 * Second, 0, Output(K))).FindsGroupsByValue);
        Assert.True(tumbling(new TumblingAggregateSpec(Input, [], Calls, 10 * Second, 0, Output())).FindsGroupsByValue);
        Assert.True(sliding(new SlidingAggregateSpec(Input, [0], Calls, 10 * Second, 2 * Second, 0, Output(K))).FindsKeysByValue);
        Assert.True(sliding(new SlidingAggregateSpec(Input, [], Calls, 10 * Second, 2 * Second, 0, Output())).FindsKeysByValue);
    }

    /// <summary>Keys from a small range with nulls among them, values with nulls, times out of order within blocks.</summary>
    private static object?[][] Data(int seed, int count)
    {
        var random = new Random(seed);
        var rows = new List<object?[]>();
        for (var block = 0; block < count / 50; block++)
        {
            var chunk = new List<object?[]>();
            for (var i = 0; i < 50; i++)
            {
                object? key = random.Next(10) == 0 ? null : (long)random.Next(-20, 40) * 1_000_003L;
                object? value = random.Next(8) == 0 ? null : (long)random.Next(1000);
                chunk.Add([key, "c", value, block * 3 * Second + random.NextInt64(5 * Second)]);
            }
            if (block % 2 == 1) chunk.Reverse();
            rows.AddRange(chunk);
        }
        return rows.ToArray();
    }

    /// <summary>
    /// The first half at <paramref name="before"/> subtasks, a watermark (making some later rows
    /// late), a checkpoint, then the second half restored at <paramref name="after"/> subtasks.
    /// </summary>
    private static List<string> Run(Kind kind, int[] keys, object?[][] rows, int before, int after, int dropColumn)
    {
        var half = rows.Length / 2;
        var state = new MemoryState();
        var outputs = new List<string>();
        void Collect(CollectingOutput output) =>
            outputs.AddRange(output.Rows().Select(r => CollectingOutput.Format(r.Where((_, i) => i != dropColumn).ToArray())));
        var parts = Shuffle(Of(Input, rows[..half]), keys, before);
        for (var p = 0; p < before; p++)
        {
            var op = Make(kind, keys);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnWatermark(Watermark.At(40 * Second), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            Collect(output);
        }
        var restoredParts = Shuffle(Of(Input, rows[half..]), keys, after);
        for (var p = 0; p < after; p++)
        {
            var op = Make(kind, keys);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            op.OnBatch(restoredParts[p], 0, output);
            op.OnEnd(output);
            Collect(output);
        }
        return outputs.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData(Kind.Tumbling, true, 1, 1)]
    [InlineData(Kind.Tumbling, true, 2, 3)]
    [InlineData(Kind.TwoPhaseHop, true, 1, 1)]
    [InlineData(Kind.TwoPhaseHop, true, 3, 2)]
    [InlineData(Kind.PerWindowHop, true, 1, 1)]
    [InlineData(Kind.PerWindowHop, true, 2, 1)]
    [InlineData(Kind.Tumbling, false, 1, 1)]
    [InlineData(Kind.Tumbling, false, 2, 3)]
    [InlineData(Kind.TwoPhaseHop, false, 1, 2)]
    [InlineData(Kind.PerWindowHop, false, 2, 1)]
    public void TheValuePathGivesTheAnswersOfTheEncodedKeyPath(Kind kind, bool int64Key, int before, int after)
    {
        // With the Int64 key k: k against (k, c); without a key column: nothing against (c).
        var rows = Data(int64Key ? 21 : 5, 1500);
        var expected = Run(kind, int64Key ? [0, 1] : [1], rows, before, after, dropColumn: int64Key ? 2 : 1);
        var actual = Run(kind, int64Key ? [0] : [], rows, before, after, dropColumn: -1);
        if (int64Key) Assert.Contains(actual, s => s.Contains("]|null|", StringComparison.Ordinal)); // a window of the null key
        Assert.True(actual.Count > (int64Key ? 20 : 5));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void LongKeyTableAgreesWithADictionaryThroughAddsAndRemovals()
    {
        var table = new LongKeyTable(hasKey: true);
        var model = new Dictionary<(long Prefix, long? Value), int>();
        var live = new HashSet<int>();
        var random = new Random(3);
        for (var step = 0; step < 60000; step++)
        {
            var prefix = random.Next(4) * 10L;
            long? value = random.Next(50) == 0 ? null : random.Next(3000) * 7L - 5000;
            var key = (prefix, value);
            if (random.Next(3) > 0)
            {
                var g = table.FindOrAdd(prefix, value ?? 0, value is null, out var added);
                Assert.Equal(!model.ContainsKey(key), added);
                if (added)
                {
                    Assert.True(live.Add(g), "a live id handed out again");
                    model[key] = g;
                }
                else Assert.Equal(model[key], g);
            }
            else if (model.Remove(key, out var g))
            {
                table.Remove(g);
                live.Remove(g);
            }
            if (step % 7000 == 0 && model.Count > 0)
            {
                var victims = model.Where(_ => random.Next(4) > 0).ToList();
                table.RemoveMany(victims.Select(v => v.Value).ToList());
                foreach (var v in victims)
                {
                    model.Remove(v.Key);
                    live.Remove(v.Value);
                }
            }
        }
        Assert.Equal(model.Count, table.Count);
        var builder = new PrimitiveColumnBuilder<long>(DataType.Int64, model.Count);
        foreach (var ((prefix, value), g) in model)
        {
            Assert.Equal(g, table.FindOrAdd(prefix, value ?? 0, value is null, out var added));
            Assert.False(added);
            Assert.Equal(prefix, table.PrefixOf(g));
            table.AppendKey(g, builder);
        }
        // Keys come back as they went in, and hash as a shuffle hashes their rows.
        var column = builder.Build();
        var batch = new Arroyo.Core.Batch(new Schema([K]), [column], model.Count);
        var hashes = new ulong[model.Count];
        KeyHasher.HashRows(batch, [0], hashes);
        var i = 0;
        foreach (var ((_, value), g) in model)
        {
            Assert.Equal(value, column.IsNull(i) ? null : ((PrimitiveColumn<long>)column).Values[i]);
            Assert.Equal(hashes[i], table.HashOf(g));
            i++;
        }
        table.RemoveMany(model.Values.ToList());
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Capacity);
    }

    [Fact]
    public void WithoutAKeyColumnTheHashIsThatOfNoKeyColumns()
    {
        var table = new LongKeyTable(hasKey: false);
        var g = table.FindOrAdd(5, 0, isNull: false, out _);
        var hashes = new ulong[1];
        KeyHasher.HashRows(Of(Input, [1L, "c", 1L, 0L]), [], hashes);
        Assert.Equal(hashes[0], table.HashOf(g));
    }
}
