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
        // Usually every row falls in one window: test that before allocating a start per row.
        var first = FloorDiv(timestamps[0], _width) * _width;
        var allOneWindow = true;
        for (var r = 1; r < rows && allOneWindow; r++)
        {
            var offset = timestamps[r] - first;
            allOneWindow = offset >= 0 && offset < _width;
        }
        if (allOneWindow)
        {
            if (first + _width <= CurrentWatermark) _lateRows += rows;
            else WindowFor(first).Add(keyColumns, hashes, null);
            return;
        }
        var starts = new long[rows];
        for (var r = 0; r < rows; r++) starts[r] = FloorDiv(timestamps[r], _width) * _width;
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
            var times = new WindowTimes(start, start + _width);
            foreach (var (columns, _, count) in window.Pieces(ChunkedBatchBuilder.RowsPerBatch)) output.Emit(OutputBatch(columns, count, times));
            ProgressWatermark.AfterWindow(start + _width, CurrentWatermark, output);
        }
    }

    /// <summary>
    /// The window start, end and timestamp values of one closing window, filled once and shared
    /// by all its output batches (columns are never written after they are built), so emitting a
    /// window of millions of rows does not allocate three arrays of that many values.
    /// </summary>
    private sealed class WindowTimes(long start, long end)
    {
        private long[] _starts = [], _ends = [], _timestamps = [];

        public (long[] Starts, long[] Ends, long[] Timestamps) For(int count)
        {
            if (_starts.Length < count)
            {
                var size = Math.Max(count, ChunkedBatchBuilder.RowsPerBatch);
                _starts = Filled(size, start);
                _ends = Filled(size, end);
                _timestamps = Filled(size, end - 1);
            }
            return (_starts, _ends, _timestamps);
        }

        private static long[] Filled(int size, long value)
        {
            var values = GC.AllocateUninitializedArray<long>(size);
            Array.Fill(values, value);
            return values;
        }
    }

    private Batch OutputBatch(Column[] keyColumns, int count, WindowTimes times)
    {
        var columns = new Column[_output.Count];
        var windowOffset = 0;
        for (var i = 0; i < keyColumns.Length; i++)
        {
            if (_windowIndex == i) windowOffset = 1;
            columns[i + windowOffset] = keyColumns[i];
        }
        var (starts, ends, timestamps) = times.For(count);
        if (_windowIndex is { } wi)
        {
            columns[wi] = new StructColumn(_output[wi].Type,
                [new PrimitiveColumn<long>(DataType.Timestamp, starts, count), new PrimitiveColumn<long>(DataType.Timestamp, ends, count)], count);
        }
        columns[^1] = new PrimitiveColumn<long>(DataType.Timestamp, timestamps, count);
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
            foreach (var (columns, firstEntry, count) in window.Pieces(ChunkedBatchBuilder.RowsPerBatch))
            {
                var hashes = window.Hashes(firstEntry, count);
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

        // Kept pieces smaller than this are merged on the way out (see Pieces).
        private const int MergeBelowRows = 128;

        private readonly List<Segment> _segments = [];
        // Hash index, open addressing with linear probing: a slot holds the high 32 bits of the
        // key hash and entry + 1 (0: empty), so a probe of a new key (nearly every probe when
        // keys are all distinct, as q7's bids are) reads one cache line and no entry. Entry e is
        // row _entries[e].Row of segment _entries[e].Segment; entries are only appended.
        private const ulong TagMask = 0xFFFF_FFFF_0000_0000UL;
        private ulong[] _slots = new ulong[256];
        private readonly EntryPages _entries = new();

        /// <summary>Key columns of a kept piece; <c>Rows</c> selects its rows when not all are new (null: all).</summary>
        private readonly record struct Segment(Column[] Columns, int[]? Rows, int FirstEntry, int Count);

        /// <summary>Adds the new ones among <paramref name="rows"/> (all rows when null) of these key columns.</summary>
        public void Add(Column[] columns, ulong[] hashes, int[]? rows)
        {
            var candidates = rows?.Length ?? hashes.Length;
            var segment = _segments.Count;
            var firstEntry = _entries.Count;
            List<int>? kept = null; // null while every candidate so far was new
            for (var i = 0; i < candidates; i++)
            {
                var r = rows is null ? i : rows[i];
                if (!TryAdd(hashes[r], columns, r, segment))
                {
                    kept ??= Enumerable.Range(0, i).Select(j => rows is null ? j : rows[j]).ToList();
                    continue;
                }
                kept?.Add(r);
            }
            var newRows = _entries.Count - firstEntry;
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
            for (var e = 0; e < newRows; e++) _entries[firstEntry + e].Row = e;
            _segments.Add(new Segment(compacted, null, firstEntry, newRows));
        }

        /// <summary>Rows read back from a checkpoint: all distinct, already hashed.</summary>
        public void AddRestored(Column[] columns, ulong[] hashes)
        {
            var segment = _segments.Count;
            var firstEntry = _entries.Count;
            for (var r = 0; r < hashes.Length; r++)
            {
                // A row also present in another restored piece (state written by two subtasks
                // that both saw it cannot happen: keys are partitioned) is still checked.
                TryAdd(hashes[r], columns, r, segment);
            }
            var count = _entries.Count - firstEntry;
            if (count == hashes.Length) _segments.Add(new Segment(columns, null, firstEntry, count));
            else
            {
                var rows = Enumerable.Range(firstEntry, count).Select(e => _entries[e].Row).ToArray();
                _segments.Add(new Segment(columns, rows, firstEntry, count));
            }
        }

        /// <summary>Adds row <paramref name="row"/> of <paramref name="columns"/> (to be segment <paramref name="segment"/>) unless an equal key is there; false when it was.</summary>
        private bool TryAdd(ulong hash, Column[] columns, int row, int segment)
        {
            var mask = _slots.Length - 1;
            var tag = hash & TagMask;
            var i = (int)hash & mask;
            for (var slot = _slots[i]; slot != 0; slot = _slots[i = (i + 1) & mask])
            {
                if ((slot & TagMask) != tag) continue;
                var e = (int)(uint)slot - 1;
                ref var found = ref _entries[e];
                if (found.Hash != hash) continue;
                var other = found.Segment == segment ? columns : _segments[found.Segment].Columns;
                if (RowEquality.Equal(columns, row, other, found.Row)) return false;
            }
            var entry = _entries.Add(hash, segment, row);
            _slots[i] = tag | (uint)(entry + 1);
            // At most three quarters full, so a probe for a new key stops after a few slots.
            if (_entries.Count * 4L > _slots.Length * 3L) Grow();
            return true;
        }

        private void Grow()
        {
            var slots = new ulong[_slots.Length * 2];
            var mask = slots.Length - 1;
            for (var e = 0; e < _entries.Count; e++)
            {
                var hash = _entries[e].Hash;
                var i = (int)hash & mask;
                while (slots[i] != 0) i = (i + 1) & mask;
                slots[i] = (hash & TagMask) | (uint)(e + 1);
            }
            _slots = slots;
        }

        /// <summary>
        /// The kept rows as key columns, in first-seen order, with the index entries they start at
        /// (a piece's entries are consecutive): each kept piece of at least
        /// <see cref="MergeBelowRows"/> rows as it is, and runs of smaller ones (compacted batches
        /// of a few new rows) merged up to <paramref name="maxRows"/> so the output is not a
        /// stream of tiny batches. Kept pieces are never merged: for a window of every input row
        /// that would copy the whole window once more as it closes.
        /// </summary>
        public IEnumerable<(Column[] Columns, int FirstEntry, int Count)> Pieces(int maxRows)
        {
            var pendingFrom = 0;
            var pendingRows = 0;
            for (var i = 0; i < _segments.Count; i++)
            {
                var segment = _segments[i];
                var alone = segment.Count >= MergeBelowRows;
                if (pendingRows > 0 && (alone || pendingRows + segment.Count > maxRows))
                {
                    yield return Merge(pendingFrom, i, pendingRows);
                    pendingRows = 0;
                }
                if (alone)
                {
                    yield return Merge(i, i + 1, segment.Count);
                    continue;
                }
                if (pendingRows == 0) pendingFrom = i;
                pendingRows += segment.Count;
            }
            if (pendingRows > 0) yield return Merge(pendingFrom, _segments.Count, pendingRows);
        }

        /// <summary>The key hashes of <paramref name="count"/> consecutive entries.</summary>
        public ulong[] Hashes(int firstEntry, int count)
        {
            var hashes = new ulong[count];
            for (var k = 0; k < count; k++) hashes[k] = _entries[firstEntry + k].Hash;
            return hashes;
        }

        /// <summary>Segments [<paramref name="from"/>, <paramref name="to"/>) as one piece of <paramref name="rows"/> rows.</summary>
        private (Column[] Columns, int FirstEntry, int Count) Merge(int from, int to, int rows)
        {
            var first = _segments[from];
            if (to - from == 1) return (first.Rows is null ? first.Columns : first.Columns.Select(c => c.Take(first.Rows)).ToArray(), first.FirstEntry, rows);
            var segments = _segments.GetRange(from, to - from);
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
            return (merged, first.FirstEntry, rows);
        }

        private struct Entry
        {
            public ulong Hash;
            public int Segment;
            public int Row;
        }

        /// <summary>
        /// The index entries in pages of <see cref="PageSize"/>: the first page grows by doubling up
        /// to that size (a small window stays small), later pages are added whole, so a window of
        /// millions of keys never copies its entries into an array twice the size.
        /// </summary>
        private sealed class EntryPages
        {
            private const int PageShift = 16;
            private const int PageSize = 1 << PageShift;
            private Entry[][] _pages = [new Entry[64]];

            public int Count { get; private set; }

            public ref Entry this[int e] => ref _pages[e >> PageShift][e & (PageSize - 1)];

            /// <summary>Appends an entry and returns its number.</summary>
            public int Add(ulong hash, int segment, int row)
            {
                var e = Count;
                var page = e >> PageShift;
                if (page == _pages.Length) Array.Resize(ref _pages, _pages.Length * 2);
                if (_pages[page] is null) _pages[page] = new Entry[PageSize];
                else if ((e & (PageSize - 1)) == _pages[page].Length) Array.Resize(ref _pages[page], _pages[page].Length * 2);
                ref var entry = ref _pages[page][e & (PageSize - 1)];
                entry.Hash = hash;
                entry.Segment = segment;
                entry.Row = row;
                Count = e + 1;
                return e;
            }
        }
    }
}
