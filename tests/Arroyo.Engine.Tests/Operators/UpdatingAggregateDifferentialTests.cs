using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Operators.Legacy;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingAggregate;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The updating aggregate against its previous implementation (<see cref="LegacyUpdatingAggregateOperator"/>):
/// random updating input (retractions, NULLs, groups emptied and reused), flushes, TTL expiry and
/// checkpoints restored at other parallelisms must give exactly the same rows in the same order.
/// The aggregates cover unboxed (integer, float, boolean) and boxed (text, list) emitted values.
/// </summary>
public sealed class UpdatingAggregateDifferentialTests
{
    private static readonly Schema Input = new([
        new Field("k", DataType.Utf8), new Field("j", DataType.Int64), new Field("v", DataType.Int64),
        new Field("x", DataType.Float64), new Field("s", DataType.Utf8), new Field("b", DataType.Boolean),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly AggregateCall[] Calls =
    [
        new("count", [], false, null, DataType.Int64, "cnt"),
        new("sum", [2], false, null, DataType.Int64, "total"),
        new("max", [2], false, null, DataType.Int64, "top"),
        new("avg", [3], false, null, DataType.Float64, "mean"),
        new("min", [4], false, null, DataType.Utf8, "least"),
        new("count", [4], true, null, DataType.Int64, "distinct_s"),
        new("bool_or", [5], false, null, DataType.Boolean, "any"),
        new("array_agg", [2], false, null, DataType.List(DataType.Int64), "all"),
    ];

    private static Schema Output(int keys) => new(
        new[] { new Field("k", DataType.Utf8), new Field("j", DataType.Int64) }.Take(keys)
            .Concat(Calls.Select(c => new Field(c.OutputName, c.ResultType)))
            .Concat([new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]).ToList());

    private sealed class Generator(int seed, int keys)
    {
        private readonly Random _random = new(seed);
        private readonly List<object?[]> _live = [];
        private long _time;

        public Batch Next()
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
                    _random.Next(12) == 0 ? null : "k" + _random.Next(keys),
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
            return Of(Input, rows.ToArray());
        }

        public int Choose(int n) => _random.Next(n);
    }

    private static List<string> Format(CollectingOutput output)
    {
        var rows = output.Batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(r => CollectingOutput.Format(b.GetRow(r)))).ToList();
        output.Batches.Clear();
        return rows;
    }

    [Theory]
    [InlineData(1, 4, 2, 24 * 3600)]
    [InlineData(2, 2, 1, 24 * 3600)]
    [InlineData(3, 30, 2, 15)]
    [InlineData(4, 8, 1, 40)]
    [InlineData(5, 1, 0, 24 * 3600)]
    public void SameRowsAsThePreviousImplementation(int seed, int keys, int keyColumns, int ttlSeconds)
    {
        var spec = new UpdatingAggregateSpec(Input, Enumerable.Range(0, keyColumns).ToArray(), Calls, Output(keyColumns), TimeSpan.FromSeconds(ttlSeconds));
        var generator = new Generator(seed, keys);
        IOperator current = new UpdatingAggregateOperator(spec);
        IOperator legacy = new LegacyUpdatingAggregateOperator(spec);
        current.Open(Context());
        legacy.Open(Context());
        var currentOut = new CollectingOutput();
        var legacyOut = new CollectingOutput();
        long time = 0;
        for (var step = 0; step < 250; step++)
        {
            var batch = generator.Next();
            current.OnBatch(batch, 0, currentOut);
            legacy.OnBatch(batch, 0, legacyOut);
            switch (generator.Choose(6))
            {
                case 0:
                    time += 5 * Second;
                    current.OnWatermark(new Watermark(time, false), currentOut);
                    legacy.OnWatermark(new Watermark(time, false), legacyOut);
                    current.OnTick(time, currentOut);
                    legacy.OnTick(time, legacyOut);
                    break;
                case 1:
                    current.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), currentOut);
                    legacy.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), legacyOut);
                    break;
            }
            Assert.Equal(Format(legacyOut), Format(currentOut));
        }
        var currentState = new MemoryState();
        var legacyState = new MemoryState();
        // Changes not flushed yet: the checkpoint flushes them first.
        var last = generator.Next();
        current.OnBatch(last, 0, currentOut);
        legacy.OnBatch(last, 0, legacyOut);
        current.OnCheckpoint(new CheckpointBarrier(1000, true), currentState, currentOut);
        legacy.OnCheckpoint(new CheckpointBarrier(1000, true), legacyState, legacyOut);
        Assert.Equal(Format(legacyOut), Format(currentOut));
        for (var parallelism = 1; parallelism <= 3; parallelism++)
        {
            var more = Enumerable.Range(0, 30).Select(_ => generator.Next()).ToList();
            var keyColumnsArray = Enumerable.Range(0, keyColumns).ToArray();
            for (var p = 0; p < parallelism; p++)
            {
                var restored = new UpdatingAggregateOperator(spec);
                var restoredLegacy = new LegacyUpdatingAggregateOperator(spec);
                restored.Open(Context(p, parallelism, currentState.ReaderFor(p, parallelism)));
                restoredLegacy.Open(Context(p, parallelism, legacyState.ReaderFor(p, parallelism)));
                var a = new CollectingOutput();
                var b = new CollectingOutput();
                foreach (var batch in more)
                {
                    var part = keyColumns == 0 ? (p == 0 ? batch : batch.Take([])) : Shuffle(batch, keyColumnsArray, parallelism)[p];
                    restored.OnBatch(part, 0, a);
                    restoredLegacy.OnBatch(part, 0, b);
                    if (generator.Choose(4) == 0)
                    {
                        restored.OnTick(long.MaxValue / 4, a);
                        restoredLegacy.OnTick(long.MaxValue / 4, b);
                    }
                    Assert.Equal(Format(b), Format(a));
                }
                restored.OnEnd(a);
                restoredLegacy.OnEnd(b);
                Assert.Equal(Format(b), Format(a));
            }
        }
    }
}
