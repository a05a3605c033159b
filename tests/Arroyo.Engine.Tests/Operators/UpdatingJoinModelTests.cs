using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Operators.Models;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingJoin;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The updating join against a naive model (<see cref="UpdatingJoinModel"/>): random inserts,
/// retractions (of stored rows and of rows never stored), NULL keys, TTL expiry and checkpoints
/// restored at other parallelisms must give the rows the model computes (in any order within
/// a batch), and a restored state must hold the rows the model holds.
/// </summary>
public sealed class UpdatingJoinModelTests
{
    // z and e are mostly zero / empty, so some batches have all-zero columns (left out of checkpoints, emitted as placeholders).
    private static readonly Schema Left = new([
        new Field("k", DataType.Int64), new Field("name", DataType.Utf8), new Field("x", DataType.Float64),
        new Field("z", DataType.Int64), new Field("e", DataType.Utf8),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema Right = new([
        new Field("k", DataType.Int64), new Field("v", DataType.Int64), new Field("tag", DataType.Utf8),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema Output = new([
        new Field("k", DataType.Int64), new Field("name", DataType.Utf8), new Field("x", DataType.Float64),
        new Field("z", DataType.Int64), new Field("e", DataType.Utf8),
        new Field("k2", DataType.Int64), new Field("v", DataType.Int64), new Field("tag", DataType.Utf8),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static UpdatingJoinSpec Spec(TimeSpan ttl) => new(JoinKind.Inner, Left, Right, [0], [0], ttl, Output);

    private sealed class Generator(int seed, int keys)
    {
        private readonly Random _random = new(seed);
        private readonly List<object?[]>[] _live = [[], []];
        private long _time;

        public Batch Next(int side) => Of(side == 0 ? Left : Right, NextRows(side));

        public object?[][] NextRows(int side)
        {
            var rows = new List<object?[]>();
            var n = _random.Next(0, 12);
            for (var i = 0; i < n; i++)
            {
                _time += _random.Next(0, 3) * Second;
                var live = _live[side];
                if (live.Count > 0 && _random.Next(4) == 0)
                {
                    // Retract a stored row (or, sometimes, one that was never stored).
                    var row = (object?[])live[_random.Next(live.Count)].Clone();
                    if (_random.Next(5) == 0) row[1] = side == 0 ? "never" : 12345L;
                    else live.Remove(live.First(l => l.SequenceEqual(row)));
                    row[^2] = true;
                    row[^1] = _time;
                    rows.Add(row);
                    continue;
                }
                object? key = _random.Next(10) == 0 ? null : (long)_random.Next(keys);
                object?[] inserted = side == 0
                    ? [key, _random.Next(3) == 0 ? null : "n" + _random.Next(5), _random.Next(4) == 0 ? null : _random.Next(100) / 4.0,
                        _random.Next(30) == 0 ? 7L : 0L, _random.Next(30) == 0 ? "e" : "", false, _time]
                    : [key, _random.Next(4) == 0 ? null : (long)_random.Next(50), "t" + _random.Next(3), false, _time];
                if (key is not null) live.Add(inserted);
                rows.Add(inserted);
            }
            return rows.ToArray();
        }

        public int Choose(int n) => _random.Next(n);
    }

    private static List<string> Format(CollectingOutput output)
    {
        var rows = output.RowStrings();
        output.Batches.Clear();
        return rows;
    }

    private static List<string> Format(IEnumerable<object?[]> rows) =>
        rows.Select(CollectingOutput.Format).OrderBy(s => s, StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData(1, 5, 24 * 3600)]
    [InlineData(2, 3, 20)]
    [InlineData(3, 20, 8)]
    [InlineData(4, 2, 24 * 3600)]
    [InlineData(5, 40, 30)]
    public void SameRowsAsTheNaiveModel(int seed, int keys, int ttlSeconds)
    {
        var spec = Spec(TimeSpan.FromSeconds(ttlSeconds));
        var generator = new Generator(seed, keys);
        IOperator op = new UpdatingJoinOperator(spec);
        var model = new UpdatingJoinModel(0, spec.Ttl);
        var state = new MemoryState();
        op.Open(Context());
        var output = new CollectingOutput();
        long time = 0;
        for (var step = 0; step < 300; step++)
        {
            var side = generator.Choose(2);
            var rows = generator.NextRows(side);
            op.OnBatch(Of(side == 0 ? Left : Right, rows), side, output);
            var expected = model.OnRows(side, rows);
            if (generator.Choose(5) == 0)
            {
                time += 5 * Second;
                op.OnWatermark(new Watermark(time, false), output);
                model.OnWatermark(time);
                op.OnTick(time, output);
                model.OnTick();
            }
            if (step == 150 || generator.Choose(40) == 0)
            {
                op.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), output);
            }
            Assert.Equal(Format(expected), Format(output));
        }
        op.OnCheckpoint(new CheckpointBarrier(1000, true), state, output);
        Assert.Empty(Format(output));

        // Restore at parallelism 1, 2 and 3, feed the subtasks their shares of the same rows in
        // step, then check what the restored state checkpoints again by probing every key.
        for (var parallelism = 1; parallelism <= 3; parallelism++)
        {
            var restoredModel = model.Restored();
            var subtasks = Enumerable.Range(0, parallelism).Select(p =>
            {
                IOperator restored = new UpdatingJoinOperator(spec);
                restored.Open(Context(p, parallelism, state.ReaderFor(p, parallelism)));
                return restored;
            }).ToArray();
            for (var i = 0; i < 40; i++)
            {
                var side = i % 2;
                var rows = generator.NextRows(side);
                var parts = Shuffle(Of(side == 0 ? Left : Right, rows), [0], parallelism);
                for (var p = 0; p < parallelism; p++) subtasks[p].OnBatch(parts[p], side, output);
                Assert.Equal(Format(restoredModel.OnRows(side, rows)), Format(output));
            }
            var again = new MemoryState();
            foreach (var restored in subtasks) restored.OnCheckpoint(new CheckpointBarrier(1001, true), again, output);
            Assert.Equal(Format(Probe(restoredModel.Restored(), keys)), Probe(spec, again, keys));
        }
    }

    private static object?[][] RightProbe(int keys) => Enumerable.Range(0, keys).Select(k => new object?[] { (long)k, -1L, "probe", false, 0L }).ToArray();

    private static object?[][] LeftProbe(int keys) => Enumerable.Range(0, keys).Select(k => new object?[] { (long)k, "probe", 0.0, 0L, "", false, 0L }).ToArray();

    /// <summary>Restores <paramref name="state"/> and joins one row of every key against it on each side: lists every stored row.</summary>
    private static List<string> Probe(UpdatingJoinSpec spec, MemoryState state, int keys)
    {
        IOperator op = new UpdatingJoinOperator(spec);
        op.Open(Context(0, 1, state.ReaderFor(0, 1)));
        var output = new CollectingOutput();
        op.OnBatch(Of(Right, RightProbe(keys)), 1, output);
        op.OnBatch(Of(Left, LeftProbe(keys)), 0, output);
        return Format(output);
    }

    private static List<object?[]> Probe(UpdatingJoinModel model, int keys) =>
        [.. model.OnRows(1, RightProbe(keys)), .. model.OnRows(0, LeftProbe(keys))];

    private static List<string> StoredRowStrings(MemoryState state) =>
        new[] { "updating_join_left", "updating_join_right" }
            .SelectMany(t => state.ReaderFor(0, 1).ReadTable(t).SelectMany(b => Enumerable.Range(0, b.RowCount)
                .Select(r => t + ":" + CollectingOutput.Format(b.GetRow(r)))))
            .OrderBy(s => s, StringComparer.Ordinal).ToList();

    [Fact]
    public void ABatchThatRetractsItsOwnRowsKeepsStoringItsLaterRows()
    {
        var spec = Spec(TimeSpan.FromHours(1));
        var op = new UpdatingJoinOperator(spec);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(Right, [1L, 5L, "a", false, 1L], [1L, 5L, "a", true, 2L], [1L, 6L, "b", false, 3L]), 1, output);
        op.OnBatch(Of(Left, [1L, "x", 1.5, 2L, "", false, 4L]), 0, output);
        Assert.Equal(["1|x|1.5|2||1|6|b|False|4"], Format(output));
        var state = new MemoryState();
        op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
        // The right side's batch is compacted to its one stored row; all-zero columns (e, _is_retract) are not written.
        Assert.Equal(["updating_join_left:" + Hash(1L) + "|1|x|1.5|2|4", "updating_join_right:" + Hash(1L) + "|1|6|b|3"],
            StoredRowStrings(state));
        // Restored: the right probe meets x; the left probe meets the stored right row, then the right probe.
        Assert.Equal(["0|probe|0|0||0|-1|probe|False|0", "1|probe|0|0||1|-1|probe|False|0", "1|probe|0|0||1|6|b|False|3", "1|x|1.5|2||1|-1|probe|False|4"],
            Probe(spec, state, 2));
    }

    private static string Hash(long key)
    {
        var batch = Of(Schema.WithTimestamp([new Field("k", DataType.Int64)]), [key, 0L]);
        var hashes = new ulong[1];
        Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, [0], hashes);
        return hashes[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
