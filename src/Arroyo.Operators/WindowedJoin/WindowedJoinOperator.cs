using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.WindowedJoin;

/// <summary>
/// Runs a <see cref="WindowedJoinSpec"/> (the reference's instant join): rows of both sides are
/// buffered by exact <c>_timestamp</c> and joined on the keys once the watermark passes it.
/// The smaller side of a timestamp is hashed; the other side is probed batch by batch as it
/// was buffered, so output leaves in pieces the size of the input batches.
/// State tables <c>join_left</c> / <c>join_right</c>: _key_hash (of that side's keys), then the buffered rows.
/// </summary>
public sealed class WindowedJoinOperator : EventTimeOperator
{
    private static readonly string[] s_tables = ["join_left", "join_right"];

    private readonly WindowedJoinSpec _spec;
    private readonly int[][] _keys;
    private readonly Schema[] _inputs;
    private readonly SortedDictionary<long, List<Batch>[]> _pending = new();

    public WindowedJoinOperator(WindowedJoinSpec spec)
    {
        _spec = spec;
        _keys = [spec.LeftKeys.ToArray(), spec.RightKeys.ToArray()];
        _inputs = [spec.LeftInput, spec.RightInput];
    }

    public override void Open(OperatorContext context)
    {
        for (var side = 0; side < 2; side++)
        {
            foreach (var stored in context.State.ReadTable(s_tables[side])) Buffer(StateBatches.WithoutKeyHash(stored, _inputs[side]), side);
        }
    }

    public override void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        var timestamps = batch.Timestamps.Values;
        var kept = 0;
        for (var r = 0; r < rows; r++)
        {
            if (timestamps[r] >= CurrentWatermark) kept++;
        }
        if (kept == rows)
        {
            Buffer(batch, input);
        }
        else if (kept > 0)
        {
            var keep = new int[kept];
            var k = 0;
            for (var r = 0; r < rows; r++)
            {
                if (timestamps[r] >= CurrentWatermark) keep[k++] = r;
            }
            Buffer(batch.Take(keep), input);
        }
    }

    /// <summary>Files the batch's rows under their timestamps (the whole batch when they share one, as a window's output does).</summary>
    private void Buffer(Batch batch, int side)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        var timestamps = batch.Timestamps.Values;
        var first = timestamps[0];
        var same = true;
        for (var r = 1; r < rows && same; r++) same = timestamps[r] == first;
        if (same)
        {
            PendingFor(first)[side].Add(batch);
            return;
        }
        var order = new int[rows];
        var keys = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            order[r] = r;
            keys[r] = timestamps[r];
        }
        // Not stable: each run of one timestamp is put back in input order below.
        Array.Sort(keys, order);
        for (var start = 0; start < rows;)
        {
            var end = start + 1;
            while (end < rows && keys[end] == keys[start]) end++;
            var run = order.AsSpan(start, end - start);
            run.Sort();
            PendingFor(keys[start])[side].Add(batch.Take(run));
            start = end;
        }
    }

    private List<Batch>[] PendingFor(long timestamp)
    {
        if (!_pending.TryGetValue(timestamp, out var sides)) _pending[timestamp] = sides = [[], []];
        return sides;
    }

    protected override void EmitReady(IOutput output)
    {
        while (_pending.Count > 0)
        {
            var (t, sides) = _pending.First();
            if (t >= CurrentWatermark) break;
            _pending.Remove(t);
            JoinAt(t, sides, output);
        }
    }

    /// <summary>Joins everything buffered under timestamp <paramref name="t"/>.</summary>
    private void JoinAt(long t, List<Batch>[] sides, IOutput output)
    {
        var keepLeft = _spec.Kind is JoinKind.Left or JoinKind.Full;
        var keepRight = _spec.Kind is JoinKind.Right or JoinKind.Full;
        var leftRows = sides[0].Sum(b => b.RowCount);
        var rightRows = sides[1].Sum(b => b.RowCount);
        if ((leftRows == 0 && !keepRight) || (rightRows == 0 && !keepLeft)) return;

        // Hash the smaller side (ties: the right, as a lookup of the left rows reads naturally).
        var buildSide = leftRows < rightRows ? 0 : 1;
        var probeSide = 1 - buildSide;
        var keepProbe = probeSide == 0 ? keepLeft : keepRight;
        var keepBuild = buildSide == 0 ? keepLeft : keepRight;
        var build = sides[buildSide].Count == 0 ? Empty(_inputs[buildSide]) : Batch.Concat(_inputs[buildSide], sides[buildSide]);
        var table = new BuildTable(build, _keys[buildSide]);
        var buildMatched = keepBuild ? new bool[build.RowCount] : null;

        var probeCodec = new KeyCodec(_keys[probeSide]);
        foreach (var probe in sides[probeSide])
        {
            var hashes = StateBatches.Hashes(probe, _keys[probeSide]);
            var probeRows = new List<int>(probe.RowCount);
            var buildRows = new List<int>(probe.RowCount);
            for (var p = 0; p < probe.RowCount; p++)
            {
                var matched = false;
                if (!JoinOutput.AnyNull(probe.Columns, _keys[probeSide], p))
                {
                    for (var b = table.First(hashes[p], probeCodec.Encode(probe.Columns, p)); b >= 0; b = table.Next(b))
                    {
                        probeRows.Add(p);
                        buildRows.Add(b);
                        if (buildMatched is not null) buildMatched[b] = true;
                        matched = true;
                    }
                }
                if (!matched && keepProbe)
                {
                    probeRows.Add(p);
                    buildRows.Add(-1);
                }
            }
            if (probeRows.Count > 0) output.Emit(Pairs(t, probeSide, probe, probeRows, build, buildRows));
        }
        if (buildMatched is not null)
        {
            var unmatched = new List<int>();
            var none = new List<int>();
            for (var b = 0; b < build.RowCount; b++)
            {
                if (buildMatched[b]) continue;
                unmatched.Add(b);
                none.Add(-1);
            }
            if (unmatched.Count > 0) output.Emit(Pairs(t, probeSide, Empty(_inputs[probeSide]), none, build, unmatched));
        }
    }

    /// <summary>The output rows for matched (probe row, build row) pairs, −1 meaning NULL-padded.</summary>
    private Batch Pairs(long t, int probeSide, Batch probe, List<int> probeRows, Batch build, List<int> buildRows)
    {
        var count = probeRows.Count;
        var (left, leftRows, right, rightRows) = probeSide == 0
            ? (probe, probeRows, build, buildRows)
            : (build, buildRows, probe, probeRows);
        var output = _spec.Output;
        var columns = new Column[output.Count];
        var position = 0;
        AppendSide(left, leftRows, columns, ref position);
        AppendSide(right, rightRows, columns, ref position);
        if (output.RetractIndex >= 0) columns[output.RetractIndex] = new PrimitiveColumn<bool>(DataType.Boolean, new bool[count]);
        var timestamps = GC.AllocateUninitializedArray<long>(count);
        Array.Fill(timestamps, t);
        columns[output.TimestampIndex] = new PrimitiveColumn<long>(DataType.Timestamp, timestamps);
        return new Batch(output, columns, count);
    }

    private static void AppendSide(Batch side, List<int> rows, Column[] columns, ref int position)
    {
        var indices = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
        var padded = indices.Contains(-1);
        for (var c = 0; c < side.Columns.Length; c++)
        {
            if (JoinOutput.IsMeta(side.Schema[c])) continue;
            var column = side.Columns[c];
            if (!padded)
            {
                columns[position++] = column.Take(indices);
                continue;
            }
            var builder = ColumnBuilder.Create(column.Type, indices.Length);
            foreach (var r in indices)
            {
                if (r < 0) builder.AppendNull();
                else builder.AppendFrom(column, r);
            }
            columns[position++] = builder.Build();
        }
    }

    private static Batch Empty(Schema schema) =>
        new(schema, schema.Fields.Select(f => ColumnBuilder.Create(f.Type, 1).Build()).ToArray(), 0);

    /// <summary>The build side's rows by key: a group per distinct key, chained through its rows in input order.</summary>
    private sealed class BuildTable
    {
        private readonly GroupTable _table = new();
        private readonly List<int> _heads = [];
        private readonly int[] _next;

        public BuildTable(Batch build, int[] keys)
        {
            _next = new int[build.RowCount];
            var hashes = StateBatches.Hashes(build, keys);
            var codec = new KeyCodec(keys);
            for (var r = build.RowCount - 1; r >= 0; r--)
            {
                if (JoinOutput.AnyNull(build.Columns, keys, r))
                {
                    _next[r] = -1;
                    continue;
                }
                var g = _table.FindOrAdd(hashes[r], codec.Encode(build.Columns, r), out var added);
                if (added)
                {
                    while (_heads.Count <= g) _heads.Add(-1);
                    _heads[g] = -1;
                }
                _next[r] = _heads[g];
                _heads[g] = r;
            }
        }

        /// <summary>The first build row with this key, or −1.</summary>
        public int First(ulong hash, ReadOnlySpan<byte> key)
        {
            var g = _table.Find(hash, key);
            return g < 0 ? -1 : _heads[g];
        }

        public int Next(int row) => _next[row];
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        foreach (var sides in _pending.Values)
        {
            for (var side = 0; side < 2; side++)
            {
                foreach (var batch in sides[side]) state.WriteTable(s_tables[side], StateBatches.WithKeyHash(batch, _keys[side]));
            }
        }
    }
}
