using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.TumblingAggregate;

/// <summary>
/// A tumbling-window GROUP BY without aggregate calls: the distinct key rows of each window.
/// Instead of encoding every key into a group table and decoding it back at the window's end
/// (what <see cref="WindowedAggregator"/> does), it keeps the input's own key columns and a
/// hash index of their first-seen rows. A batch whose rows are all new is kept as it is and
/// emitted as it is (only the window and timestamp columns are added), so wide keys such as
/// a whole bid with its text are neither copied in nor copied out. Batches that are mostly
/// duplicates are compacted to their new rows, so a low-cardinality key keeps little.
/// State: the same table as the general aggregator (<c>window_aggregates</c>: _key_hash,
/// window_start, k0…), so checkpoints of either restore into either.
/// </summary>
internal sealed class TumblingDistinct : EventTimeOperator
{
    private readonly int[] _keys;
    private readonly long _width;
    private readonly int? _windowIndex;
    private readonly Schema _input;
    private readonly Schema _output;
    private readonly SortedDictionary<long, WindowRows> _windows = new();
    private long _lateRows;
    private OperatorContext? _context;

    public TumblingDistinct(Schema input, IReadOnlyList<int> keys, long width, int? windowIndex, Schema output)
    {
        if (width <= 0) throw new ArgumentException("window width must be positive");
        _input = input;
        _keys = keys.ToArray();
        _width = width;
        _windowIndex = windowIndex;
        _output = output;
        var expected = _keys.Length + (windowIndex.HasValue ? 1 : 0) + 1;
        if (output.Count != expected || output.RetractIndex >= 0 || output.TimestampIndex != output.Count - 1)
        {
            throw new ArgumentException("distinct output must be the key columns, the window, then _timestamp");
        }
    }

    public override void Open(OperatorContext context)
    {
        _context = context;
        foreach (var stored in context.State.ReadTable(WindowedAggregator.TableName))
        {
            var hashes = ((PrimitiveColumn<ulong>)stored.Columns[0]).Values;
            var starts = ((PrimitiveColumn<long>)stored.Columns[1]).Values;
            var keyColumns = stored.Columns[2..(2 + _keys.Length)];
            foreach (var (start, rows) in RunsBy(starts, stored.RowCount))
            {
                var columns = rows.Length == stored.RowCount ? keyColumns : keyColumns.Select(c => c.Take(rows)).ToArray();
                var runHashes = rows.Select(r => hashes[r]).ToArray();
                WindowFor(start).AddRestored(columns, runHashes);
            }
        }
    }

    public override void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        var hashes = new ulong[rows];
        KeyHasher.HashRows(batch, _keys, hashes);
        var keyColumns = new Column[_keys.Length];
        for (var i = 0; i < _keys.Length; i++) keyColumns[i] = batch.Columns[_keys[i]];
        var timestamps = batch.Timestamps.Values;
        var starts = new long[rows];
        var allOneWindow = true;
        for (var r = 0; r < rows; r++)
        {
            starts[r] = FloorDiv(timestamps[r], _width) * _width;
            allOneWindow &= starts[r] == starts[0];
        }
        if (allOneWindow)
        {
            if (starts[0] + _width <= CurrentWatermark) _lateRows += rows;
            else WindowFor(starts[0]).Add(keyColumns, hashes, null);
            return;
        }
        foreach (var (start, windowRows) in RunsBy(starts, rows))
        {
            if (start + _width <= CurrentWatermark) _lateRows += windowRows.Length;
            else WindowFor(start).Add(keyColumns, hashes, windowRows);
        }
    }

    /// <summary>Row indices grouped by their value in <paramref name="starts"/>, ascending within a group.</summary>
    private static IEnumerable<(long Start, int[] Rows)> RunsBy(long[] starts, int rows) =>
        Enumerable.Range(0, rows).GroupBy(r => starts[r]).Select(g => (g.Key, g.ToArray()));

    private WindowRows WindowFor(long start)
    {
        if (!_windows.TryGetValue(start, out var window)) _windows[start] = window = new WindowRows();
        return window;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : (a - b + 1) / b;

    protected override void EmitReady(IOutput output)
    {
        while (_windows.Count > 0)
        {
            var (start, window) = _windows.First();
            if (start + _width > CurrentWatermark) break;
            _windows.Remove(start);
            foreach (var (columns, count) in window.Pieces(ChunkedBatchBuilder.RowsPerBatch)) output.Emit(OutputBatch(columns, count, start));
            ProgressWatermark.AfterWindow(start + _width, CurrentWatermark, output);
        }
    }

    private Batch OutputBatch(Column[] keyColumns, int count, long start)
    {
        var columns = new Column[_output.Count];
        var windowOffset = 0;
        for (var i = 0; i < keyColumns.Length; i++)
        {
            if (_windowIndex == i) windowOffset = 1;
            columns[i + windowOffset] = keyColumns[i];
        }
        var end = start + _width;
        if (_windowIndex is { } wi)
        {
            var starts = new long[count];
            var ends = new long[count];
            Array.Fill(starts, start);
            Array.Fill(ends, end);
            columns[wi] = new StructColumn(_output[wi].Type,
                [new PrimitiveColumn<long>(DataType.Timestamp, starts), new PrimitiveColumn<long>(DataType.Timestamp, ends)], count);
        }
        var timestamps = GC.AllocateUninitializedArray<long>(count);
        Array.Fill(timestamps, end - 1);
        columns[^1] = new PrimitiveColumn<long>(DataType.Timestamp, timestamps);
        return new Batch(_output, columns, count);
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
        var fields = new List<Field> { StateBatches.KeyHashField, new("window_start", DataType.Timestamp, false) };
        fields.AddRange(StateBatches.KeyFields(_input, _keys));
        var schema = new Schema(fields);
        foreach (var (start, window) in _windows)
        {
            foreach (var (columns, hashes, count) in window.PiecesWithHashes(ChunkedBatchBuilder.RowsPerBatch))
            {
                var starts = new long[count];
                Array.Fill(starts, start);
                var stateColumns = new Column[2 + columns.Length];
                stateColumns[0] = new PrimitiveColumn<ulong>(DataType.UInt64, hashes);
                stateColumns[1] = new PrimitiveColumn<long>(DataType.Timestamp, starts);
                Array.Copy(columns, 0, stateColumns, 2, columns.Length);
                state.WriteTable(WindowedAggregator.TableName, new Batch(schema, stateColumns, count));
            }
        }
    }

    /// <summary>The distinct key rows of one window, in first-seen order, with a hash index over them.</summary>
    private sealed class WindowRows
    {
        // A batch is kept as it is while at least this share of its rows are new; below,
        // its new rows are copied out so the duplicates' memory is not held.
        private const int CompactBelowPercent = 50;

        private readonly List<Segment> _segments = [];
        // Chained hash index: entry e is row _entryRow[e] of segment _entrySegment[e].
        private int[] _buckets = new int[256];
        private ulong[] _entryHash = new ulong[256];
        private int[] _entryNext = new int[256];
        private int[] _entrySegment = new int[256];
        private int[] _entryRow = new int[256];
        private int _entries;

        /// <summary>Key columns of a kept piece; <c>Rows</c> selects its rows when not all are new (null: all).</summary>
        private readonly record struct Segment(Column[] Columns, int[]? Rows, int FirstEntry, int Count);

        /// <summary>Adds the new ones among <paramref name="rows"/> (all rows when null) of these key columns.</summary>
        public void Add(Column[] columns, ulong[] hashes, int[]? rows)
        {
            var candidates = rows?.Length ?? hashes.Length;
            var segment = _segments.Count;
            var firstEntry = _entries;
            List<int>? kept = null; // null while every candidate so far was new
            for (var i = 0; i < candidates; i++)
            {
                var r = rows is null ? i : rows[i];
                if (Contains(hashes[r], columns, r, segment))
                {
                    kept ??= Enumerable.Range(0, i).Select(j => rows is null ? j : rows[j]).ToList();
                    continue;
                }
                Insert(hashes[r], segment, r);
                kept?.Add(r);
            }
            var newRows = _entries - firstEntry;
            if (newRows == 0) return;
            if (kept is null)
            {
                _segments.Add(new Segment(columns, rows, firstEntry, newRows));
                return;
            }
            if (newRows * 100 >= candidates * CompactBelowPercent)
            {
                _segments.Add(new Segment(columns, kept.ToArray(), firstEntry, newRows));
                return;
            }
            // Copy the new rows out; their entries then point into the copy, in the same order.
            var keptRows = kept.ToArray();
            var compacted = columns.Select(c => c.Take(keptRows)).ToArray();
            for (var e = 0; e < newRows; e++) _entryRow[firstEntry + e] = e;
            _segments.Add(new Segment(compacted, null, firstEntry, newRows));
        }

        /// <summary>Rows read back from a checkpoint: all distinct, already hashed.</summary>
        public void AddRestored(Column[] columns, ulong[] hashes)
        {
            var segment = _segments.Count;
            var firstEntry = _entries;
            for (var r = 0; r < hashes.Length; r++)
            {
                // A row also present in another restored piece (state written by two subtasks
                // that both saw it cannot happen: keys are partitioned) is still checked.
                if (!Contains(hashes[r], columns, r, segment)) Insert(hashes[r], segment, r);
            }
            var count = _entries - firstEntry;
            if (count == hashes.Length) _segments.Add(new Segment(columns, null, firstEntry, count));
            else
            {
                var rows = Enumerable.Range(firstEntry, count).Select(e => _entryRow[e]).ToArray();
                _segments.Add(new Segment(columns, rows, firstEntry, count));
            }
        }

        private bool Contains(ulong hash, Column[] columns, int row, int pendingSegment)
        {
            for (var e = _buckets[(int)(hash & (ulong)(_buckets.Length - 1))] - 1; e >= 0; e = _entryNext[e] - 1)
            {
                if (_entryHash[e] != hash) continue;
                var segment = _entrySegment[e];
                var other = segment == pendingSegment ? columns : _segments[segment].Columns;
                if (RowEquality.Equal(columns, row, other, _entryRow[e])) return true;
            }
            return false;
        }

        private void Insert(ulong hash, int segment, int row)
        {
            if (_entries == _entryHash.Length)
            {
                var size = _entries * 2;
                Array.Resize(ref _entryHash, size);
                Array.Resize(ref _entryNext, size);
                Array.Resize(ref _entrySegment, size);
                Array.Resize(ref _entryRow, size);
            }
            var e = _entries++;
            _entryHash[e] = hash;
            _entrySegment[e] = segment;
            _entryRow[e] = row;
            if (_entries > _buckets.Length)
            {
                _buckets = new int[_buckets.Length * 2];
                for (var i = 0; i < e; i++) Link(i);
            }
            Link(e);
        }

        private void Link(int e)
        {
            var bucket = (int)(_entryHash[e] & (ulong)(_buckets.Length - 1));
            _entryNext[e] = _buckets[bucket];
            _buckets[bucket] = e + 1;
        }

        /// <summary>
        /// The kept rows as key columns, in first-seen order: each kept batch as it is, and runs
        /// of small pieces (compacted batches of a few new rows) merged up to <paramref name="maxRows"/>
        /// so the output is not a stream of tiny batches.
        /// </summary>
        public IEnumerable<(Column[] Columns, int Count)> Pieces(int maxRows)
        {
            foreach (var (columns, _, count) in PiecesWithHashes(maxRows)) yield return (columns, count);
        }

        public IEnumerable<(Column[] Columns, ulong[] Hashes, int Count)> PiecesWithHashes(int maxRows)
        {
            var small = maxRows / 8;
            var pending = new List<Segment>();
            var pendingRows = 0;
            foreach (var segment in _segments)
            {
                if (pendingRows > 0 && (segment.Count >= small || pendingRows + segment.Count > maxRows))
                {
                    yield return Merge(pending, pendingRows);
                    pending.Clear();
                    pendingRows = 0;
                }
                if (segment.Count >= small)
                {
                    yield return Merge([segment], segment.Count);
                    continue;
                }
                pending.Add(segment);
                pendingRows += segment.Count;
            }
            if (pendingRows > 0) yield return Merge(pending, pendingRows);
        }

        private (Column[] Columns, ulong[] Hashes, int Count) Merge(List<Segment> segments, int rows)
        {
            var hashes = new ulong[rows];
            var position = 0;
            foreach (var s in segments)
            {
                Array.Copy(_entryHash, s.FirstEntry, hashes, position, s.Count);
                position += s.Count;
            }
            if (segments.Count == 1)
            {
                var only = segments[0];
                return (only.Rows is null ? only.Columns : only.Columns.Select(c => c.Take(only.Rows)).ToArray(), hashes, rows);
            }
            var width = segments[0].Columns.Length;
            var merged = new Column[width];
            for (var c = 0; c < width; c++)
            {
                var builder = ColumnBuilder.Create(segments[0].Columns[c].Type, rows);
                foreach (var s in segments)
                {
                    var column = s.Columns[c];
                    if (s.Rows is null)
                    {
                        for (var r = 0; r < s.Count; r++) builder.AppendFrom(column, r);
                    }
                    else
                    {
                        foreach (var r in s.Rows) builder.AppendFrom(column, r);
                    }
                }
                merged[c] = builder.Build();
            }
            return (merged, hashes, rows);
        }
    }
}
