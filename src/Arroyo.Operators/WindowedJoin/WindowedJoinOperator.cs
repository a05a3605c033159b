using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Operators.Grouping;
using Arroyo.Runtime.Messages;
using Arroyo.Runtime.Operators;
using Arroyo.State;
using Watermark = Arroyo.Runtime.Messages.Watermark;

namespace Arroyo.Operators.WindowedJoin;

/// <summary>
/// Runs a <see cref="WindowedJoinSpec"/> (the reference's instant join): rows of both sides are
/// buffered by exact <c>_timestamp</c> and joined on the keys once the watermark passes it.
/// State tables <c>join_left</c> / <c>join_right</c>: _key_hash (of that side's keys), then the buffered rows.
/// </summary>
public sealed class WindowedJoinOperator : IOperator
{
    private static readonly string[] s_tables = ["join_left", "join_right"];

    private readonly WindowedJoinSpec _spec;
    private readonly int[][] _keys;
    private readonly Arroyo.Core.Types.Schema[] _inputs;
    private readonly SortedDictionary<long, List<Batch>[]> _pending = new();
    private long _watermark = long.MinValue;

    public WindowedJoinOperator(WindowedJoinSpec spec)
    {
        _spec = spec;
        _keys = [spec.LeftKeys.ToArray(), spec.RightKeys.ToArray()];
        _inputs = [spec.LeftInput, spec.RightInput];
    }

    public void Open(OperatorContext context)
    {
        for (var side = 0; side < 2; side++)
        {
            foreach (var stored in context.State.ReadTable(s_tables[side])) Buffer(StateBatches.WithoutKeyHash(stored, _inputs[side]), side);
        }
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var timestamps = batch.Timestamps.Values;
        var keep = Enumerable.Range(0, batch.RowCount).Where(r => timestamps[r] >= _watermark).ToArray();
        if (keep.Length > 0) Buffer(keep.Length == batch.RowCount ? batch : batch.Take(keep), input);
    }

    private void Buffer(Batch batch, int side)
    {
        var timestamps = batch.Timestamps.Values;
        foreach (var group in Enumerable.Range(0, batch.RowCount).GroupBy(r => timestamps[r]))
        {
            if (!_pending.TryGetValue(group.Key, out var sides)) _pending[group.Key] = sides = [[], []];
            var rows = group.ToArray();
            sides[side].Add(rows.Length == batch.RowCount ? batch : batch.Take(rows));
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle)
        {
            _watermark = Math.Max(_watermark, watermark.Time);
            EmitReady(output);
        }
        output.EmitWatermark(watermark);
    }

    public void OnEnd(IOutput output)
    {
        _watermark = long.MaxValue;
        EmitReady(output);
    }

    private void EmitReady(IOutput output)
    {
        foreach (var t in _pending.Keys.TakeWhile(t => t < _watermark).ToList())
        {
            var sides = _pending[t];
            _pending.Remove(t);
            var left = Batch.Concat(_spec.LeftInput, sides[0].Count == 0 ? [Empty(_spec.LeftInput)] : sides[0]);
            var right = Batch.Concat(_spec.RightInput, sides[1].Count == 0 ? [Empty(_spec.RightInput)] : sides[1]);
            var pairs = Join(left, right);
            if (pairs.Count > 0) output.Emit(JoinOutput.Build(_spec.Output, left, right, pairs, (_, _) => t, null));
        }
    }

    private static Batch Empty(Arroyo.Core.Types.Schema schema) =>
        new(schema, schema.Fields.Select(f => Arroyo.Core.Columns.ColumnBuilder.Create(f.Type, 1).Build()).ToArray(), 0);

    private List<(int, int)> Join(Batch left, Batch right)
    {
        var table = new GroupTable();
        var heads = new List<int>();
        var next = new int[right.RowCount];
        var rightHashes = StateBatches.Hashes(right, _keys[1]);
        var rightCodec = new KeyCodec(_keys[1]);
        for (var r = right.RowCount - 1; r >= 0; r--)
        {
            if (JoinOutput.AnyNull(right.Columns, _keys[1], r))
            {
                next[r] = -2;
                continue;
            }
            var g = table.FindOrAdd(rightHashes[r], rightCodec.Encode(right.Columns, r), out var added);
            if (added)
            {
                while (heads.Count <= g) heads.Add(-1);
                heads[g] = -1;
            }
            next[r] = heads[g];
            heads[g] = r;
        }
        var rightMatched = new bool[right.RowCount];
        var pairs = new List<(int, int)>();
        var leftHashes = StateBatches.Hashes(left, _keys[0]);
        var leftCodec = new KeyCodec(_keys[0]);
        var keepLeft = _spec.Kind is JoinKind.Left or JoinKind.Full;
        for (var l = 0; l < left.RowCount; l++)
        {
            var matched = false;
            if (!JoinOutput.AnyNull(left.Columns, _keys[0], l))
            {
                var g = table.Find(leftHashes[l], leftCodec.Encode(left.Columns, l));
                for (var r = g < 0 ? -1 : heads[g]; r >= 0; r = next[r])
                {
                    pairs.Add((l, r));
                    rightMatched[r] = true;
                    matched = true;
                }
            }
            if (!matched && keepLeft) pairs.Add((l, -1));
        }
        if (_spec.Kind is JoinKind.Right or JoinKind.Full)
        {
            for (var r = 0; r < right.RowCount; r++)
            {
                if (!rightMatched[r]) pairs.Add((-1, r));
            }
        }
        return pairs;
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
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
