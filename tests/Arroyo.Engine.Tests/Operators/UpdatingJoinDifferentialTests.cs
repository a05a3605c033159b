using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Operators.Legacy;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingJoin;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The updating join against its previous implementation (<see cref="LegacyUpdatingJoinOperator"/>):
/// random inserts, retractions (of stored rows and of rows never stored), NULL keys, TTL expiry and
/// checkpoints restored at other parallelisms must give exactly the same rows in the same order.
/// </summary>
public sealed class UpdatingJoinDifferentialTests
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

        public Batch Next(int side)
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
            return Of(side == 0 ? Left : Right, rows.ToArray());
        }

        public int Choose(int n) => _random.Next(n);
    }

    private static List<string> Format(CollectingOutput output) =>
        output.Batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(r => CollectingOutput.Format(b.GetRow(r)))).ToList();

    [Theory]
    [InlineData(1, 5, 24 * 3600)]
    [InlineData(2, 3, 20)]
    [InlineData(3, 20, 8)]
    [InlineData(4, 2, 24 * 3600)]
    [InlineData(5, 40, 30)]
    public void SameRowsAsThePreviousImplementation(int seed, int keys, int ttlSeconds)
    {
        var spec = Spec(TimeSpan.FromSeconds(ttlSeconds));
        var generator = new Generator(seed, keys);
        IOperator current = new UpdatingJoinOperator(spec);
        IOperator legacy = new LegacyUpdatingJoinOperator(spec);
        var currentState = new MemoryState();
        var legacyState = new MemoryState();
        current.Open(Context());
        legacy.Open(Context());
        var currentOut = new CollectingOutput();
        var legacyOut = new CollectingOutput();
        long time = 0;
        for (var step = 0; step < 300; step++)
        {
            var side = generator.Choose(2);
            var batch = generator.Next(side);
            current.OnBatch(batch, side, currentOut);
            legacy.OnBatch(batch, side, legacyOut);
            if (generator.Choose(5) == 0)
            {
                time += 5 * Second;
                current.OnWatermark(new Watermark(time, false), currentOut);
                legacy.OnWatermark(new Watermark(time, false), legacyOut);
                current.OnTick(time, currentOut);
                legacy.OnTick(time, legacyOut);
            }
            if (step == 150 || generator.Choose(40) == 0)
            {
                current.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), currentOut);
                legacy.OnCheckpoint(new CheckpointBarrier(step, false), new MemoryState(), legacyOut);
            }
            Assert.Equal(Format(legacyOut), Format(currentOut));
            legacyOut.Batches.Clear();
            currentOut.Batches.Clear();
        }
        current.OnCheckpoint(new CheckpointBarrier(1000, true), currentState, currentOut);
        legacy.OnCheckpoint(new CheckpointBarrier(1000, true), legacyState, legacyOut);
        Assert.Equal(Format(legacyOut), Format(currentOut));

        // Restore at parallelism 1, 2 and 3 and feed both the same rows.
        for (var parallelism = 1; parallelism <= 3; parallelism++)
        {
            var more = Enumerable.Range(0, 40).Select(i => (Side: i % 2, Batch: generator.Next(i % 2))).ToList();
            for (var p = 0; p < parallelism; p++)
            {
                var restored = new UpdatingJoinOperator(spec);
                var restoredLegacy = new LegacyUpdatingJoinOperator(spec);
                restored.Open(Context(p, parallelism, currentState.ReaderFor(p, parallelism)));
                restoredLegacy.Open(Context(p, parallelism, legacyState.ReaderFor(p, parallelism)));
                var a = new CollectingOutput();
                var b = new CollectingOutput();
                foreach (var (side, batch) in more)
                {
                    var part = Shuffle(batch, [0], parallelism)[p];
                    restored.OnBatch(part, side, a);
                    restoredLegacy.OnBatch(part, side, b);
                }
                Assert.Equal(Format(b), Format(a));
                // And the restored state checkpoints the same rows again: restore that and probe every key.
                var again = new MemoryState();
                var againLegacy = new MemoryState();
                restored.OnCheckpoint(new CheckpointBarrier(1001, true), again, a);
                restoredLegacy.OnCheckpoint(new CheckpointBarrier(1001, true), againLegacy, b);
                Assert.Equal(Probe(spec, againLegacy, keys, legacy: true), Probe(spec, again, keys, legacy: false));
            }
        }
    }

    /// <summary>Restores <paramref name="state"/> and joins one row of every key against it on each side: lists every stored row.</summary>
    private static List<string> Probe(UpdatingJoinSpec spec, MemoryState state, int keys, bool legacy)
    {
        IOperator op = legacy ? new LegacyUpdatingJoinOperator(spec) : new UpdatingJoinOperator(spec);
        op.Open(Context(0, 1, state.ReaderFor(0, 1)));
        var output = new CollectingOutput();
        op.OnBatch(Of(Right, Enumerable.Range(0, keys).Select(k => new object?[] { (long)k, -1L, "probe", false, 0L }).ToArray()), 1, output);
        op.OnBatch(Of(Left, Enumerable.Range(0, keys).Select(k => new object?[] { (long)k, "probe", 0.0, 0L, "", false, 0L }).ToArray()), 0, output);
        return Format(output);
    }

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
        Assert.Equal(["1|x|1.5|2||1|-1|probe|False|4", "0|probe|0|0||0|-1|probe|False|0", "1|probe|0|0||1|6|b|False|3", "1|probe|0|0||1|-1|probe|False|0"],
            Probe(spec, state, 2, legacy: false));
    }

    private static string Hash(long key)
    {
        var batch = Of(Schema.WithTimestamp([new Field("k", DataType.Int64)]), [key, 0L]);
        var hashes = new ulong[1];
        Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, [0], hashes);
        return hashes[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
