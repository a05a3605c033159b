using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Engine.Tests.Operators.Legacy;

/// <summary>
/// The implementation before the 2026-11-24 q4 rewrite, kept verbatim as a test oracle: the
/// rewritten operator must emit exactly the same rows in the same order.
/// </summary>
internal sealed class LegacyUpdatingJoinOperator : IOperator
{
    private static readonly string[] s_tables = ["updating_join_left", "updating_join_right"];

    private readonly UpdatingJoinSpec _spec;
    private readonly int[][] _keys;
    private readonly Arroyo.Core.Types.Schema[] _inputs;
    private readonly KeyCodec[] _codecs;
    private readonly KeyCodec[] _rowCodecs;
    private readonly GroupTable[] _tables = [new(), new()];
    private readonly List<List<(Batch Batch, int Row)>?>[] _rows = [[], []];
    private long _watermark = long.MinValue;

    // Per side, no stored row is older than this (a lower bound: removals do not raise it).
    // Lets a tick skip scanning the whole state when nothing can have expired yet.
    private readonly long[] _oldest = [long.MaxValue, long.MaxValue];

    public LegacyUpdatingJoinOperator(UpdatingJoinSpec spec)
    {
        if (spec.Kind != JoinKind.Inner) throw new NotSupportedException("can't handle non-inner joins without windows");
        _spec = spec;
        _keys = [spec.LeftKeys.ToArray(), spec.RightKeys.ToArray()];
        _inputs = [spec.LeftInput, spec.RightInput];
        _codecs = [new KeyCodec(_keys[0]), new KeyCodec(_keys[1])];
        _rowCodecs = _inputs.Select(s => new KeyCodec(Enumerable.Range(0, s.Count)
            .Where(i => !JoinOutput.IsMeta(s[i])).ToArray())).ToArray();
    }

    public void Open(OperatorContext context)
    {
        for (var side = 0; side < 2; side++)
        {
            foreach (var stored in context.State.ReadTable(s_tables[side]))
            {
                var batch = StateBatches.WithoutKeyHash(stored, _inputs[side]);
                var hashes = StateBatches.Hashes(batch, _keys[side]);
                for (var r = 0; r < batch.RowCount; r++) Store(side, hashes[r], batch, r);
            }
        }
    }

    private List<(Batch Batch, int Row)> Store(int side, ulong hash, Batch batch, int row)
    {
        var g = _tables[side].FindOrAdd(hash, _codecs[side].Encode(batch.Columns, row), out _);
        while (_rows[side].Count <= g) _rows[side].Add(null);
        var list = _rows[side][g] ??= [];
        list.Add((batch, row));
        _oldest[side] = Math.Min(_oldest[side], batch.Timestamps.Values[row]);
        return list;
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var other = 1 - input;
        var hashes = StateBatches.Hashes(batch, _keys[input]);
        var retractions = batch.Retractions;
        var pairs = new List<(Batch Left, int LeftRow, Batch Right, int RightRow, bool Retract)>();
        for (var r = 0; r < batch.RowCount; r++)
        {
            if (JoinOutput.AnyNull(batch.Columns, _keys[input], r)) continue;
            var retract = retractions is not null && retractions.Values[r];
            var key = _codecs[input].Encode(batch.Columns, r);
            var og = _tables[other].Find(hashes[r], key);
            if (og >= 0 && _rows[other][og] is { } matches)
            {
                foreach (var (b, row) in matches)
                {
                    pairs.Add(input == 0 ? (batch, r, b, row, retract) : (b, row, batch, r, retract));
                }
            }
            if (retract) RemoveEqual(input, hashes[r], batch, r);
            else Store(input, hashes[r], batch, r);
        }
        if (pairs.Count > 0) Emit(pairs, output);
    }

    private void RemoveEqual(int side, ulong hash, Batch batch, int row)
    {
        var g = _tables[side].Find(hash, _codecs[side].Encode(batch.Columns, row));
        if (g < 0 || _rows[side][g] is not { } list) return;
        var target = _rowCodecs[side].Encode(batch.Columns, row).ToArray();
        for (var i = 0; i < list.Count; i++)
        {
            if (!_rowCodecs[side].Encode(list[i].Batch.Columns, list[i].Row).SequenceEqual(target)) continue;
            list.RemoveAt(i);
            break;
        }
        if (list.Count == 0)
        {
            _rows[side][g] = null;
            _tables[side].Remove(g);
        }
    }

    private void Emit(List<(Batch Left, int LeftRow, Batch Right, int RightRow, bool Retract)> pairs, IOutput output)
    {
        var builders = _spec.Output.Fields.Select(f => ColumnBuilder.Create(f.Type, pairs.Count)).ToArray();
        foreach (var (left, l, right, r, retract) in pairs)
        {
            var position = 0;
            AppendRow(left, l, builders, ref position);
            AppendRow(right, r, builders, ref position);
            if (_spec.Output.RetractIndex >= 0) ((PrimitiveColumnBuilder<bool>)builders[_spec.Output.RetractIndex]).Append(retract);
            ((PrimitiveColumnBuilder<long>)builders[_spec.Output.TimestampIndex])
                .Append(Math.Max(left.Timestamps.Values[l], right.Timestamps.Values[r]));
        }
        output.Emit(new Batch(_spec.Output, builders.Select(b => b.Build()).ToArray(), pairs.Count));
    }

    private static void AppendRow(Batch batch, int row, ColumnBuilder[] builders, ref int position)
    {
        for (var c = 0; c < batch.Columns.Length; c++)
        {
            if (JoinOutput.IsMeta(batch.Schema[c])) continue;
            builders[position++].AppendFrom(batch.Columns[c], row);
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle) _watermark = Math.Max(_watermark, watermark.Time);
        output.EmitWatermark(watermark);
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_watermark == long.MinValue || _watermark == long.MaxValue) return;
        var cutoff = _watermark - _spec.Ttl.Ticks * 100;
        for (var side = 0; side < 2; side++)
        {
            if (_oldest[side] >= cutoff) continue;
            var oldest = long.MaxValue;
            foreach (var g in _tables[side].Groups().ToList())
            {
                var list = _rows[side][g]!;
                list.RemoveAll(e => e.Batch.Timestamps.Values[e.Row] < cutoff);
                foreach (var (b, r) in list) oldest = Math.Min(oldest, b.Timestamps.Values[r]);
                if (list.Count > 0) continue;
                _rows[side][g] = null;
                _tables[side].Remove(g);
            }
            _oldest[side] = oldest;
        }
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        for (var side = 0; side < 2; side++)
        {
            // Writing also compacts: the stored rows are replaced by the one batch written.
            var live = new List<(Batch Batch, int Row)>();
            foreach (var g in _tables[side].Groups()) live.AddRange(_rows[side][g]!);
            if (live.Count == 0) continue;
            var builders = _inputs[side].Fields.Select(f => ColumnBuilder.Create(f.Type, live.Count)).ToArray();
            foreach (var (b, r) in live)
            {
                for (var c = 0; c < builders.Length; c++) builders[c].AppendFrom(b.Columns[c], r);
            }
            var compact = new Batch(_inputs[side], builders.Select(b => b.Build()).ToArray(), live.Count);
            state.WriteTable(s_tables[side], StateBatches.WithKeyHash(compact, _keys[side]));
            _tables[side] = new GroupTable();
            _rows[side] = [];
            var hashes = StateBatches.Hashes(compact, _keys[side]);
            for (var r = 0; r < compact.RowCount; r++) Store(side, hashes[r], compact, r);
        }
    }
}
