using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Operators.Models;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The updating aggregate against a naive model (<see cref="UpdatingAggregateModel"/>): random
/// updating input (retractions, NULLs, groups emptied and reused), flushes, TTL expiry and
/// checkpoints restored at other parallelisms must give the rows the model recomputes from all
/// live input rows (in any order within a flush). The aggregates cover unboxed (integer, float,
/// boolean) and boxed (text, list) emitted values. The first key column is text, or BIGINT
/// (a key of that column alone is looked up by value: <c>KeyIndex</c> given words, not bytes).
/// </summary>
public sealed class UpdatingAggregateModelTests
{
    private static readonly Schema Input = InputOf(DataType.Utf8);

    private static Schema InputOf(DataType keyType) => new([
        new Field("k", keyType), new Field("j", DataType.Int64), new Field("v", DataType.Int64),
        new Field("x", DataType.Float64), new Field("s", DataType.Utf8), new Field("b", DataType.Boolean),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly AggregateCall[] Calls =
    [
        TestFunctions.Aggregate(Input, "count", [], "cnt"),
        TestFunctions.Aggregate(Input, "sum", [2], "total"),
        TestFunctions.Aggregate(Input, "max", [2], "top"),
        TestFunctions.Aggregate(Input, "avg", [3], "mean"),
        TestFunctions.Aggregate(Input, "min", [4], "least"),
        TestFunctions.Aggregate(Input, "count", [4], "distinct_s", distinct: true),
        TestFunctions.Aggregate(Input, "bool_or", [5], "any"),
        TestFunctions.Aggregate(Input, "array_agg", [2], "all"),
    ];

    // The same functions, computed from the group's live rows (columns as in Input).
    private static readonly Func<UpdatingAggregateModel.Group, object?>[] Naive =
    [
        g => (long)g.Rows.Count,
        g => Values(g, 2).Count == 0 ? null : Values(g, 2).Sum(v => (long)v),
        g => Values(g, 2).Count == 0 ? null : Values(g, 2).Max(v => (long)v),
        g => Values(g, 3).Count == 0 ? null : Values(g, 3).Sum(v => (double)v) / Values(g, 3).Count,
        g => Values(g, 4).Count == 0 ? null : Values(g, 4).Cast<string>().Min(StringComparer.Ordinal),
        g => (long)Values(g, 4).Distinct().Count(),
        g => Values(g, 5).Count == 0 ? null : Values(g, 5).Any(v => (bool)v),
        g => g.Bags[2].ToArray(),
    ];

    private static List<object> Values(UpdatingAggregateModel.Group group, int column) =>
        group.Rows.Select(r => r[column]).OfType<object>().ToList();

    private static Schema Output(int keys, DataType keyType) => new(
        new[] { new Field("k", keyType), new Field("j", DataType.Int64) }.Take(keys)
            .Concat(Calls.Select(c => new Field(c.OutputName, c.ResultType)))
            .Concat([new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]).ToList());

    private sealed class Generator(int seed, int keys, bool bigintKey)
    {
        private readonly Random _random = new(seed);
        private List<object?[]> _live = [];
        private long _time;

        /// <summary>A generator that goes on from this one's live rows and time with its own random sequence.</summary>
        public Generator Fork(int salt) => new(seed * 31 + salt, keys, bigintKey) { _live = [.. _live], _time = _time };

        /// <summary>Drops live rows whose group the operator forgot (TTL), so no retraction reaches a group that no longer holds its row.</summary>
        public void Forget(Func<object?[], bool> expired) => _live.RemoveAll(r => expired(r));

        public object?[][] Next()
        {
            var rows = new List<object?[]>();
            var n = _random.Next(0, 15);
            for (var i = 0; i < n; i++)
            {
                _time += _random.Next(0, 3) * Second;
                if (_live.Count > 0 && _random.Next(3) == 0)
                {
                    var index = _random.Next(_live.Count);
                    var row = (object?[])_live[index].Clone();
                    _live.RemoveAt(index);
                    row[6] = true;
                    row[7] = _time;
                    rows.Add(row);
                    continue;
                }
                object?[] inserted =
                [
                    _random.Next(12) == 0 ? null : bigintKey ? KeyValue(_random.Next(keys)) : "k" + _random.Next(keys),
                    (long)_random.Next(2),
                    _random.Next(5) == 0 ? null : (long)_random.Next(-20, 20),
                    _random.Next(5) == 0 ? null : _random.Next(-8, 8) / 2.0,
                    _random.Next(4) == 0 ? null : "s" + _random.Next(4),
                    _random.Next(4) == 0 ? null : _random.Next(2) == 0,
                    false,
                    _time,
                ];
                _live.Add(inserted);
                rows.Add(inserted);
            }
            return rows.ToArray();
        }

        public int Choose(int n) => _random.Next(n);

        // Spread over the whole range (negative, and beyond 32 bits), and 0 (whose words differ from a null's only in the flag).
        private static object KeyValue(int n) => n * -3_000_000_019L;
    }

    private static List<string> Format(CollectingOutput output)
    {
        var rows = output.RowStrings();
        output.Batches.Clear();
        return rows;
    }

    private static List<string> Format(IEnumerable<object?[]> rows) =>
        rows.Select(CollectingOutput.Format).OrderBy(s => s, StringComparer.Ordinal).ToList();

    private static void Same(List<object?[]> expected, CollectingOutput output, string where)
    {
        var (want, got) = (Format(expected), Format(output));
        Assert.True(want.SequenceEqual(got), $"{where}: the model emits\n{string.Join('\n', want)}\nthe operator emits\n{string.Join('\n', got)}");
    }

    [Theory]
    [InlineData(1, 4, 2, 24 * 3600)]
    [InlineData(2, 2, 1, 24 * 3600)]
    [InlineData(3, 30, 2, 15)]
    [InlineData(4, 8, 1, 40)]
    [InlineData(5, 1, 0, 24 * 3600)]
    [InlineData(6, 30, 1, 24 * 3600, true)]
    [InlineData(7, 8, 1, 15, true)]
    [InlineData(8, 8, 2, 40, true)]
    public void SameRowsAsTheNaiveModel(int seed, int keys, int keyColumns, int ttlSeconds, bool bigintKey = false)
    {
        var keyType = bigintKey ? DataType.Int64 : DataType.Utf8;
        var input = InputOf(keyType);
        var spec = new UpdatingAggregateSpec(input, Enumerable.Range(0, keyColumns).ToArray(), Calls, Output(keyColumns, keyType), TimeSpan.FromSeconds(ttlSeconds));
        var flushInterval = Context().Settings.UpdateAggregateFlushInterval;
        var generator = new Generator(seed, keys, bigintKey);
        IOperator op = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
        var model = new UpdatingAggregateModel(keyColumns, Naive, spec.Ttl, flushInterval);
        op.Open(Context());
        var output = new CollectingOutput();
        long time = 0;
        for (var step = 0; step < 250; step++)
        {
            var rows = generator.Next();
            op.OnBatch(Of(input, rows), 0, output);
            model.OnRows(rows);
            var expected = new List<object?[]>();
            switch (generator.Choose(6))
            {
                case 0:
                    time += 5 * Second;
                    op.OnWatermark(new Watermark(time, false), output);
                    model.OnWatermark(time);
                    op.OnTick(time, output);
                    expected = model.OnTick(time, out var expired);
                    generator.Forget(r => expired.Contains(model.KeyOf(r)));
                    break;
                case 1:
                    op.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), output);
                    expected = model.Flush();
                    break;
            }
            Same(expected, output, $"step {step}");
        }
        // Changes not flushed yet: the checkpoint flushes them first.
        var state = new MemoryState();
        var last = generator.Next();
        op.OnBatch(Of(input, last), 0, output);
        model.OnRows(last);
        op.OnCheckpoint(new CheckpointBarrier(1000, true), state, output);
        Same(model.Flush(), output, "final checkpoint");

        // Restore at parallelism 1, 2 and 3 and feed the subtasks their shares of the same rows
        // in step (a global aggregate's one group goes where its key hash does).
        var keyColumnsArray = Enumerable.Range(0, keyColumns).ToArray();
        for (var parallelism = 1; parallelism <= 3; parallelism++)
        {
            var restoredModel = model.Restored();
            var more = generator.Fork(parallelism);
            var subtasks = Enumerable.Range(0, parallelism).Select(p =>
            {
                IOperator restored = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
                restored.Open(Context(p, parallelism, state.ReaderFor(p, parallelism)));
                return restored;
            }).ToArray();
            for (var i = 0; i < 30; i++)
            {
                var rows = more.Next();
                var parts = Shuffle(Of(input, rows), keyColumnsArray, parallelism);
                for (var p = 0; p < parallelism; p++) subtasks[p].OnBatch(parts[p], 0, output);
                restoredModel.OnRows(rows);
                var expected = new List<object?[]>();
                if (more.Choose(4) == 0)
                {
                    foreach (var restored in subtasks) restored.OnTick(long.MaxValue / 4, output);
                    expected = restoredModel.OnTick(long.MaxValue / 4, out _);
                }
                Same(expected, output, $"restored at parallelism {parallelism}, batch {i}");
            }
            foreach (var restored in subtasks) restored.OnEnd(output);
            Same(restoredModel.Flush(), output, $"end at parallelism {parallelism}");
        }
    }
}
