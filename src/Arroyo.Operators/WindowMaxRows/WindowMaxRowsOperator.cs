using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;

namespace Arroyo.Operators.WindowMaxRows;

/// <summary>
/// Runs a <see cref="WindowMaxRowsSpec"/>: per open window the best value so far and the rows
/// holding it (pieces of the input batches). A batch whose best is below the window's is
/// skipped after one pass over the column; one above it drops the kept rows. So a window holds
/// the rows at its running maximum only, a handful in Nexmark q7 where the join it replaces
/// held every bid.
/// State table <c>window_max_rows</c> (version 1): <c>_key_hash</c> of no key (the hash the shuffle
/// into the merging phase routes by, so a restore at any parallelism puts the rows where that
/// window's new rows go), then the kept rows as they arrived. The maximum is not stored: it is
/// the value every kept row holds.
/// </summary>
public sealed class WindowMaxRowsOperator : EventTimeOperator
{
    private readonly WindowMaxRowsSpec _spec;
    private readonly long _width;
    private readonly StateTable _table;
    private readonly SortedDictionary<long, WindowRows> _windows = new();
    private long[] _values = [];
    private long _lateRows;
    private OperatorContext? _context;

    public WindowMaxRowsOperator(WindowMaxRowsSpec spec)
    {
        if (spec.WidthNanos < 1) throw new ArgumentException("window width must be at least 1 ns", nameof(spec));
        if (!WindowMaxRowsSpec.Supports(spec.Input[spec.Column].Type))
        {
            throw new ArgumentException($"column {spec.Input[spec.Column].Name} of type {spec.Input[spec.Column].Type} is not an integer or time column", nameof(spec));
        }
        _spec = spec;
        _width = spec.WidthNanos;
        _table = TableFor(spec.Input);
    }

    /// <summary>The declared state table for rows of <paramref name="input"/>.</summary>
    internal static StateTable TableFor(Schema input)
    {
        var fields = new List<Field> { StateBatches.KeyHashField };
        fields.AddRange(input.Fields.Select((f, i) => f.Name == Schema.TimestampFieldName ? f : f with { Name = $"c{i}" }));
        return new StateTable("window_max_rows", 1, new Schema(fields));
    }

    public override void Open(OperatorContext context)
    {
        _context = context;
        foreach (var stored in _table.Read(context.State)) Add(StateBatches.WithoutKeyHash(stored, _spec.Input), null);
    }

    public override void OnBatch(Batch batch, int input, IOutput output) => Add(batch, output);

    // What it keeps and what it emits are copies of the input's rows (Batch.Take), never the input
    // batch itself: a source chained before it may then reuse its arrays although this operator's
    // output crosses a shuffle (IOperator.EmitsInputArrays). Most rows of a batch are dropped, so
    // the copies are small.
    public override bool RetainsInput => false;

    public override bool EmitsInputArrays => false;

    /// <summary>Files the batch's rows under their windows; late rows go to <paramref name="output"/> (partial) or are dropped.</summary>
    private void Add(Batch batch, IOutput? output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        if (_values.Length < rows) _values = new long[Math.Max(rows, 512)];
        var values = _values.AsSpan(0, rows);
        ValueReader.Read(batch.Columns[_spec.Column], values, _spec.Minimum);
        var validity = batch.Columns[_spec.Column].Validity;
        var timestamps = batch.Timestamps.Values;
        var first = WindowStarts.Of(timestamps[0], _width);
        if (WindowStarts.AllIn(timestamps.AsSpan(1, rows - 1), first, _width))
        {
            AddToWindow(first, batch, null, values, validity, output);
            return;
        }
        foreach (var group in Enumerable.Range(0, rows).GroupBy(r => WindowStarts.Of(timestamps[r], _width)))
        {
            AddToWindow(group.Key, batch, group.ToArray(), values, validity, output);
        }
    }

    private void AddToWindow(long start, Batch batch, int[]? subset, ReadOnlySpan<long> values, Bitmap? validity, IOutput? output)
    {
        if (start + _width <= CurrentWatermark)
        {
            var count = subset?.Length ?? batch.RowCount;
            if (_spec.Partial && output is not null) output.Emit(batch.Take(subset ?? AllRows(count)));
            else _lateRows += count;
            return;
        }
        var found = false;
        var best = long.MinValue;
        var rows = subset?.Length ?? batch.RowCount;
        for (var i = 0; i < rows; i++)
        {
            var r = subset is null ? i : subset[i];
            if (validity is not null && !validity.Get(r)) continue;
            if (!found || values[r] > best) best = values[r];
            found = true;
        }
        if (!found) return;
        if (!_windows.TryGetValue(start, out var window)) _windows[start] = window = new WindowRows(best);
        else if (best < window.Best) return;
        else if (best > window.Best) window.Restart(best);

        var keep = new List<int>();
        for (var i = 0; i < rows; i++)
        {
            var r = subset is null ? i : subset[i];
            if (values[r] == best && (validity is null || validity.Get(r))) keep.Add(r);
        }
        window.Pieces.Add(batch.Take(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(keep)));
    }

    private static int[] AllRows(int count)
    {
        var rows = new int[count];
        for (var i = 0; i < count; i++) rows[i] = i;
        return rows;
    }

    protected override void EmitReady(IOutput output)
    {
        while (_windows.Count > 0)
        {
            var (start, window) = _windows.First();
            if (start + _width > CurrentWatermark) break;
            _windows.Remove(start);
            foreach (var piece in window.Pieces) output.Emit(piece);
            ProgressWatermark.AfterWindow(start + _width, CurrentWatermark, output);
        }
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        foreach (var window in _windows.Values)
        {
            foreach (var piece in window.Pieces) state.WriteTable(_table.StoredName, StateBatches.WithKeyHash(piece, []));
        }
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
    }

    /// <summary>One open window: the best value (negated for a minimum) and the rows holding it.</summary>
    private sealed class WindowRows(long best)
    {
        public long Best { get; private set; } = best;

        public List<Batch> Pieces { get; } = [];

        public void Restart(long best)
        {
            Best = best;
            Pieces.Clear();
        }
    }
}
