using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.WindowFunction;

/// <summary>
/// Runs a <see cref="WindowFunctionSpec"/>: buffers rows by exact <c>_timestamp</c>; once the
/// watermark passes a timestamp, sorts its rows by (partition, order) and evaluates each call over
/// each partition (<see cref="WindowCallEvaluator"/>).
/// State table <c>window_function_rows</c>: _key_hash (of the partition columns), then the buffered input rows.
/// </summary>
public sealed class WindowFunctionOperator : EventTimeOperator
{
    public const string TableName = "window_function_rows";

    private readonly WindowFunctionSpec _spec;
    private readonly int[] _partition;
    private readonly WindowCallEvaluator[] _evaluators;
    private readonly SortedDictionary<long, List<Batch>> _pending = new();

    public WindowFunctionOperator(WindowFunctionSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _evaluators = spec.Calls.Select(c => WindowCallEvaluator.Create(c, functions)).ToArray();
        _partition = spec.PartitionColumns.ToArray();
    }

    public override void Open(OperatorContext context)
    {
        foreach (var stored in context.State.ReadTable(TableName)) Buffer(StateBatches.WithoutKeyHash(stored, _spec.Input));
    }

    public override void OnBatch(Batch batch, int input, IOutput output)
    {
        var timestamps = batch.Timestamps.Values;
        var keep = Enumerable.Range(0, batch.RowCount).Where(r => timestamps[r] >= CurrentWatermark).ToArray();
        if (keep.Length == 0) return;
        Buffer(keep.Length == batch.RowCount ? batch : batch.Take(keep));
    }

    private void Buffer(Batch batch)
    {
        var timestamps = batch.Timestamps.Values;
        foreach (var group in Enumerable.Range(0, batch.RowCount).GroupBy(r => timestamps[r]))
        {
            if (!_pending.TryGetValue(group.Key, out var list)) _pending[group.Key] = list = [];
            var rows = group.ToArray();
            list.Add(rows.Length == batch.RowCount ? batch : batch.Take(rows));
        }
    }

    protected override void EmitReady(IOutput output)
    {
        var ready = _pending.Keys.TakeWhile(t => t < CurrentWatermark).ToList();
        foreach (var t in ready)
        {
            var batch = Batch.Concat(_spec.Input, _pending[t]);
            _pending.Remove(t);
            output.Emit(Evaluate(batch));
        }
    }

    private Batch Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var hashes = StateBatches.Hashes(batch, _partition);
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = ComparePartition(batch, a, b, hashes);
            if (c != 0) return c;
            c = CompareOrder(batch, a, b);
            return c != 0 ? c : a.CompareTo(b);
        });
        var newPartition = new bool[n];
        var newPeerGroup = new bool[n];
        for (var i = 0; i < n; i++)
        {
            newPartition[i] = i == 0 || ComparePartition(batch, order[i - 1], order[i], hashes) != 0;
            newPeerGroup[i] = newPartition[i] || CompareOrder(batch, order[i - 1], order[i]) != 0;
        }
        var sorted = new SortedRows(batch.Take(order), newPartition, newPeerGroup);
        var userColumns = _spec.Input.Count - 1;
        var columns = new Column[_spec.Output.Count];
        for (var c = 0; c < userColumns; c++) columns[c] = sorted.Batch.Columns[c];
        for (var f = 0; f < _evaluators.Length; f++) columns[userColumns + f] = _evaluators[f].Evaluate(sorted);
        columns[^1] = sorted.Batch.Columns[_spec.Input.TimestampIndex];
        return new Batch(_spec.Output, columns, n);
    }

    private int ComparePartition(Batch batch, int a, int b, ulong[] hashes)
    {
        var c = hashes[a].CompareTo(hashes[b]);
        if (c != 0) return c;
        foreach (var p in _partition)
        {
            c = RowComparer.Compare(batch.Columns[p], a, b, nullsFirst: true);
            if (c != 0) return c;
        }
        return 0;
    }

    private int CompareOrder(Batch batch, int a, int b)
    {
        foreach (var o in _spec.OrderBy)
        {
            var c = RowComparer.Compare(batch.Columns[o.Column], a, b, o.EffectiveNullsFirst != o.Descending);
            if (c != 0) return o.Descending ? -c : c;
        }
        return 0;
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        foreach (var batches in _pending.Values)
        {
            foreach (var batch in batches) state.WriteTable(TableName, StateBatches.WithKeyHash(batch, _partition));
        }
    }
}
