using Arroyo.Expressions;
using System.Buffers;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core.Time;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.UpdatingAggregate;

/// <summary>
/// Runs an <see cref="UpdatingAggregateSpec"/>: per-key accumulators; changed keys are emitted
/// as retraction + new row at each flush (tick interval, checkpoint, end of input).
/// A flush evaluates every changed group into one column per aggregate and compares it with the
/// last emitted values, kept unboxed per aggregate (<see cref="EmittedValues"/>).
/// State is a keyed table held in columns: a <see cref="KeyIndex"/> of the encoded keys to dense
/// ids, and per id a value in chunked arrays (last time, emitted time, flags; row counts only
/// when the input retracts) and in the accumulators' own arrays — no object or blob per key.
/// Checkpoints are incremental (<see cref="StateTable"/> <c>updating_aggregates.v2</c>): only keys
/// changed since the last checkpoint and tombstones of removed ones, written from the live
/// columns a chunk at a time; a full table when the deltas since the last full one exceed half
/// the table, after <see cref="MaxDeltas"/> deltas, or when the previous checkpoint cannot be
/// built on (first of a run, or it did not complete).
/// </summary>
public sealed class UpdatingAggregateOperator : IOperator
{
    public const string TableName = "updating_aggregates";

    /// <summary>2: columnar, incremental (1, unversioned: one blob per aggregate per key).</summary>
    public const int TableVersion = 2;

    /// <summary>Deltas at most in a row before a full table, which bounds what a restore replays.</summary>
    public const int MaxDeltas = 16;

    private const byte EmittedFlag = 1;
    private const byte ChangedFlag = 2;   // since the last flush
    private const byte DirtyFlag = 4;     // since the last checkpoint

    private readonly UpdatingAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly AggregateSet _aggregates;
    private readonly EmittedValues[] _emittedValues;
    private readonly KeyCodec _codec;
    private readonly KeyIndex _index;
    private readonly int _keyWidth; // of every key in bytes, or 0 if keys vary in length
    // One 64-bit key column (BIGINT, TIMESTAMP, TIME): the index is given each row's key as two
    // words formed from the value (KeyCodec.Int64KeyWords), not as encoded bytes.
    private readonly bool _keysAsWords;
    private readonly bool _countRows;
    private readonly ChunkedArray<long> _rowCounts = new();
    private readonly ChunkedArray<long> _lastTime = new();
    private readonly ChunkedArray<long> _emittedTime = new();
    private readonly ChunkedArray<byte> _flags = new();
    private readonly StateTable _table;
    private readonly DataType[][] _accumulatorState; // per aggregate: its columnar state, or empty for a blob
    // The groups changed since the last flush, while there are at most ChangedListMax of them;
    // beyond that the flush finds them by their flag instead (a list of every key of a big
    // table, all changing, held 4 B per key for good once it had grown).
    private const int ChangedListMax = 1 << 16;
    private int[] _changed = new int[64];
    private int _changedCount; // groups with ChangedFlag; only the first ChangedListMax listed
    private int _dirtyCount;
    private readonly List<byte[]> _removedSinceCheckpoint = [];
    private long _deltaRows;
    private bool _fullNext;
    private int _deltas;
    private long _watermark = long.MinValue;
    private long _lastFlush = long.MinValue;
    private long _flushIntervalNanos;
    private OperatorContext? _context;
    // Compacts the heap after the table grew (the arrays its growth replaced, HeapCompaction).
    private readonly Arroyo.Core.Memory.GrowthWatch _growth = new();

    public UpdatingAggregateOperator(UpdatingAggregateSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _keys = spec.KeyColumns.ToArray();
        _aggregates = new AggregateSet(spec.Aggregates, spec.Input, functions.Aggregates, spec.Retracting, updatingAggregate: true);
        _emittedValues = spec.Aggregates.Select(a => EmittedValues.Create(a.ResultType)).ToArray();
        _codec = new KeyCodec(_keys);
        _keyWidth = KeyCodec.FixedWidth(_keys.Select(k => spec.Input[k].Type));
        _index = new KeyIndex(_keyWidth);
        _keysAsWords = _keys.Length == 1 && LongKeyTable.Supports(spec.Input[_keys[0]].Type.Kind);
        // Input without retractions never empties a group, so there is nothing to count.
        _countRows = spec.Retracting;
        _accumulatorState = Enumerable.Range(0, _aggregates.Count).Select(a => _aggregates.Accumulator(a).StateColumnTypes ?? []).ToArray();
        _table = new StateTable(TableName, TableVersion, StateSchema());
    }

    /// <summary>Keys held (for tests and memory reports).</summary>
    internal int KeyCount => _index.Count;

    private Schema StateSchema()
    {
        var fields = new List<Field> { StateBatches.KeyHashField };
        fields.AddRange(StateBatches.KeyFields(_spec.Input, _keys));
        fields.Add(new Field("deleted", DataType.Boolean, false));
        // The rest is null in a tombstone row.
        if (_countRows) fields.Add(new Field("rows", DataType.Int64, true));
        fields.Add(new Field("last_time", DataType.Timestamp, true));
        fields.Add(new Field("emitted", DataType.Boolean, true));
        fields.Add(new Field("emitted_time", DataType.Timestamp, true));
        for (var a = 0; a < _aggregates.Count; a++)
        {
            if (_accumulatorState[a].Length == 0) fields.Add(new Field($"a{a}", DataType.Binary, true));
            else fields.AddRange(_accumulatorState[a].Select((t, j) => new Field($"a{a}_{j}", t, true)));
        }
        fields.AddRange(_emittedValues.Select((e, i) => new Field($"p{i}", e.StateType, true)));
        return new Schema(fields);
    }

    public void Open(OperatorContext context)
    {
        _flushIntervalNanos = Nanoseconds.From(_spec.FlushInterval ?? context.Settings.UpdateAggregateFlushInterval);
        _context = context;
        if (context.State.Epoch is null) return;
        var restoreCodec = new KeyCodec(Enumerable.Range(1, _keys.Length).ToArray());
        var n = _keys.Length;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long restoredRows = 0;
        // The rows the files record for this subtask's range bound the keys it restores: with
        // room for them up front, the index never rehashes and no accumulator array is copied
        // while growing.
        var expected = (int)Math.Min(_table.EstimateRows(context.State), Array.MaxLength / 2);
        // The value columns for the keys the full tables hold (deltas mostly change those keys;
        // more grow them as usual), so their memory, mapped in at once, is not the rows' count.
        var likely = (int)Math.Min(_table.EstimateChainStartRows(context.State), expected);
        if (expected > 0)
        {
            _index.Reserve(expected);
            _aggregates.EnsureCapacity(likely);
        }
        var groups = Array.Empty<int>();
        var added = Array.Empty<bool>();
        var reused = new System.Collections.Concurrent.ConcurrentQueue<RestoredBatch>();
        // Files come oldest first: a full table, then the deltas after it, in order. They are
        // decoded and their keys encoded on a thread of their own, a few batches ahead, while
        // this one builds the table: the two halves of a restore take about as long.
        foreach (var restored in ReadAhead.Run(Prepare(context.State, reused), RestoreReadAhead, $"restore {context.Name}"))
        {
            var (batch, chainStart, columnar) = (restored.Rows!, restored.ChainStart, restored.Columnar);
            var (keyBytes, keyStarts) = (restored.KeyBytes, restored.KeyStarts);
            var rows = batch.RowCount;
            restoredRows += rows;
            var deleted = ((PrimitiveColumn<bool>)batch.Columns[1 + n]).Values;
            if (groups.Length < rows)
            {
                groups = new int[rows];
                added = new bool[rows];
            }
            // The batch a run of live rows at a time: first every key's id (the index loop),
            // then each value column loaded into those ids in one pass. A tombstone ends a run:
            // the rows before it are loaded before its key is forgotten, as row order demands.
            var runStart = 0;
            for (var r = 0; r <= rows; r++)
            {
                if (r < rows && !deleted[r]) continue;
                var run = groups.AsSpan(runStart, r - runStart);
                if (columnar && chainStart)
                {
                    // A full table (the start of its writer's chain) holds each key once, and
                    // none that came before it: only other writers' files come first, and their
                    // keys hash to other subtasks' ranges of the run that wrote them all (a
                    // chain never spans runs). So its keys are new: no lookup needed.
                    _index.AddNewMany(keyBytes, keyStarts.AsSpan(runStart, run.Length + 1), run);
                    MakeAddressable(likely);
                    for (var i = 0; i < run.Length; i++) Reset(run[i]);
                }
                else if (columnar)
                {
                    _index.FindOrAddMany(keyBytes, keyStarts.AsSpan(runStart, run.Length + 1), run, added.AsSpan(runStart, run.Length));
                    MakeAddressable(likely);
                    for (var i = 0; i < run.Length; i++)
                    {
                        if (added[runStart + i]) Reset(run[i]);
                    }
                }
                else
                {
                    for (var i = 0; i < run.Length; i++) run[i] = Add(restoreCodec.Encode(batch.Columns, runStart + i)[8..]);
                }
                LoadRows(batch, runStart, run);
                if (r == rows) break;
                var key = columnar ? keyBytes.AsSpan(keyStarts[r], keyStarts[r + 1] - keyStarts[r]) : restoreCodec.Encode(batch.Columns, r)[8..];
                var gone = _index.Find(key);
                if (gone >= 0) Forget(gone);
                runStart = r + 1;
            }
            restored.Rows = null;
            reused.Enqueue(restored);
        }
        // Restored keys are clean: the restored chain holds them (and the tombstones applied
        // above), so a first checkpoint that builds on it (restored at the same parallelism)
        // writes only what changes from here on; otherwise the store has it write a full table.
        _removedSinceCheckpoint.Clear();
        if (restoredRows > 0)
        {
            context.Log($"restored {_index.Count} keys from {restoredRows} rows in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
        }
    }

    /// <summary>Restored batches decoded ahead of the table being built (a batch is a few hundred rows).</summary>
    private const int RestoreReadAhead = 32;

    /// <summary>A restored state batch with its keys encoded (the buffers are reused once the batch is loaded).</summary>
    private sealed class RestoredBatch
    {
        public Batch? Rows;
        public bool ChainStart;
        public bool Columnar;
        public byte[] KeyBytes = [];
        public int[] KeyStarts = [];
    }

    /// <summary>The restored batches of this subtask's range with their keys encoded (on the read-ahead thread).</summary>
    private IEnumerable<RestoredBatch> Prepare(IStateReader state, System.Collections.Concurrent.ConcurrentQueue<RestoredBatch> reused)
    {
        // A codec of its own: this runs on another thread than the operator's.
        var codec = new KeyCodec(Enumerable.Range(1, _keys.Length).ToArray());
        foreach (var (batch, chainStart) in _table.ReadWithChainStarts(state))
        {
            var restored = reused.TryDequeue(out var free) ? free : new RestoredBatch();
            restored.Rows = batch;
            restored.ChainStart = chainStart;
            // Every key of the batch encoded at once, a key column at a time (nested keys: per row).
            restored.Columnar = codec.TryEncodeRows(batch.Columns, batch.RowCount, _keyWidth, ref restored.KeyBytes, ref restored.KeyStarts);
            yield return restored;
        }
    }

    /// <summary>
    /// Loads rows [firstRow, firstRow + groups.Length) of a restored state batch (live rows, not
    /// tombstones) into <paramref name="groups"/>, a column at a time; a row replaces whatever an
    /// earlier file restored for its key.
    /// </summary>
    private void LoadRows(Batch batch, int firstRow, ReadOnlySpan<int> groups)
    {
        if (groups.IsEmpty) return;
        var length = groups.Length;
        var columns = batch.Columns;
        var column = 2 + _keys.Length; // past the hash, the keys and `deleted`
        if (_countRows) _rowCounts.Scatter(groups, ((PrimitiveColumn<long>)columns[column++]).Values.AsSpan(firstRow, length));
        _lastTime.Scatter(groups, ((PrimitiveColumn<long>)columns[column++]).Values.AsSpan(firstRow, length));
        var emitted = ((PrimitiveColumn<bool>)columns[column++]).Values.AsSpan(0, firstRow + length);
        _emittedTime.Scatter(groups, ((PrimitiveColumn<long>)columns[column++]).Values.AsSpan(firstRow, length));
        for (var a = 0; a < _aggregates.Count; a++)
        {
            if (_accumulatorState[a].Length > 0)
            {
                _aggregates.Accumulator(a).LoadStates(groups, columns, column, firstRow);
                column += _accumulatorState[a].Length;
                continue;
            }
            var blob = (StringColumn)columns[column++];
            for (var i = 0; i < length; i++)
            {
                var r = firstRow + i;
                using var reader = new BinaryReader(new MemoryStream(blob.Data, blob.Offsets[r], blob.Offsets[r + 1] - blob.Offsets[r], writable: false));
                _aggregates.Read(groups[i], a, reader);
            }
        }
        for (var i = 0; i < length; i++) _flags[groups[i]] = emitted[firstRow + i] ? EmittedFlag : (byte)0;
        for (var a = 0; a < _emittedValues.Length; a++) _emittedValues[a].ReadStates(groups, emitted, columns[column + a], firstRow);
    }

    private int Add(ReadOnlySpan<byte> key)
    {
        var g = _index.FindOrAdd(key, out var added);
        if (added) Added(g);
        return g;
    }

    /// <summary>Makes a group the index just handed out addressable and empty.</summary>
    private void Added(int g)
    {
        MakeAddressable();
        Reset(g);
    }

    /// <summary>Ids a restore makes addressable (and maps in) ahead of the keys it adds: 16 chunks of each column.</summary>
    private const int PopulateAhead = 1 << 20;

    /// <summary>
    /// Makes every id the index handed out addressable in the value columns. A restore passes
    /// the keys it expects: up to there the columns grow by <see cref="PopulateAhead"/> ids at
    /// a time (at most to that bound), mapped in at once instead of a page fault per page as
    /// the restore writes them (<see cref="Arroyo.Core.Memory.MemoryPrefault"/>).
    /// </summary>
    private void MakeAddressable(int restoring = 0)
    {
        var capacity = _index.Capacity;
        _aggregates.EnsureCapacity(capacity);
        if (capacity <= _flags.Capacity) return;
        var populate = restoring > capacity;
        var target = populate ? Math.Max(capacity, Math.Min(restoring, capacity + PopulateAhead)) : capacity;
        if (_countRows) _rowCounts.EnsureCapacity(target, populate);
        _lastTime.EnsureCapacity(target, populate);
        _emittedTime.EnsureCapacity(target, populate);
        _flags.EnsureCapacity(target, populate);
        foreach (var e in _emittedValues) e.EnsureCapacity(_flags.Capacity, populate);
        if (populate) _index.PopulateKeys(_flags.Capacity);
    }

    /// <summary>Empties an addressable group.</summary>
    private void Reset(int g)
    {
        _aggregates.Clear(g);
        if (_countRows) _rowCounts[g] = 0;
        _lastTime[g] = long.MinValue;
        _flags[g] = 0;
    }

    private void MarkChanged(int g)
    {
        ref var flags = ref _flags[g];
        if ((flags & DirtyFlag) == 0) _dirtyCount++;
        if ((flags & ChangedFlag) != 0)
        {
            flags |= DirtyFlag;
            return;
        }
        flags |= ChangedFlag | DirtyFlag;
        if (_changedCount < ChangedListMax)
        {
            if (_changedCount == _changed.Length) Array.Resize(ref _changed, _changedCount * 2);
            _changed[_changedCount] = g;
        }
        _changedCount++;
    }

    /// <summary>Removes a group; the next incremental checkpoint writes a tombstone for its key.</summary>
    private void Remove(int g)
    {
        // Once more keys went than are left, the next checkpoint is a full one anyway.
        if (_removedSinceCheckpoint.Count <= _index.Count) _removedSinceCheckpoint.Add(_index.KeyOf(g).ToArray());
        else _fullNext = true;
        Forget(g);
    }

    private void Forget(int g)
    {
        if ((_flags[g] & DirtyFlag) != 0) _dirtyCount--;
        _aggregates.Clear(g);
        _index.Remove(g);
        _flags[g] = 0;
        foreach (var e in _emittedValues) e.Clear(g);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        var groups = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            var retractions = _spec.Retracting ? batch.Retractions : NoRetractions(batch);
            var timestamps = batch.Timestamps.Values;
            FindGroups(batch, groups.AsSpan(0, rows));
            for (var r = 0; r < rows; r++)
            {
                var g = groups[r];
                if (_countRows) _rowCounts[g] += retractions is not null && retractions.Values[r] ? -1 : 1;
                ref var lastTime = ref _lastTime[g];
                if (timestamps[r] > lastTime) lastTime = timestamps[r];
                MarkChanged(g);
            }
            var retract = retractions is null ? default : retractions.Values.AsSpan(0, rows);
            _aggregates.Update(batch, groups.AsSpan(0, rows), retract);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(groups);
        }
    }

    /// <summary>
    /// Null, after checking that an updating input the planner said never retracts holds no
    /// retraction: the accumulators are append-only and would count it as one more row.
    /// </summary>
    private static PrimitiveColumn<bool>? NoRetractions(Batch batch)
    {
        if (batch.Retractions is { } retractions && retractions.Values.AsSpan(0, batch.RowCount).Contains(true))
        {
            throw new InvalidOperationException("internal error: a retraction reached an updating aggregate planned for an input that never retracts (this is a bug)");
        }
        return null;
    }

    // The batch's keys, encoded a column at a time, or as words (reused between batches).
    private byte[] _batchKeys = [];
    private int[] _batchKeyStarts = [];
    private ulong[] _batchFirstWords = [];
    private ulong[] _batchLastWords = [];
    private bool[] _batchAdded = [];

    /// <summary>
    /// Each row's group id, new keys added: the whole batch's keys encoded first (one 64-bit key
    /// column: as words, from the values), then looked up together (<see cref="KeyIndex.FindOrAddMany(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{int}, Span{bool})"/>
    /// prefetches slots ahead); nested keys row by row.
    /// </summary>
    private void FindGroups(Batch batch, Span<int> groups)
    {
        var rows = groups.Length;
        if (_batchAdded.Length < rows) _batchAdded = new bool[rows];
        var added = _batchAdded.AsSpan(0, rows);
        if (_keysAsWords)
        {
            if (_batchFirstWords.Length < rows)
            {
                _batchFirstWords = new ulong[rows];
                _batchLastWords = new ulong[rows];
            }
            var first = _batchFirstWords.AsSpan(0, rows);
            var last = _batchLastWords.AsSpan(0, rows);
            KeyCodec.Int64KeyWords((PrimitiveColumn<long>)batch.Columns[_keys[0]], rows, first, last);
            _index.FindOrAddMany(first, last, groups, added);
        }
        else if (_codec.TryEncodeRows(batch.Columns, rows, _keyWidth, ref _batchKeys, ref _batchKeyStarts))
        {
            _index.FindOrAddMany(_batchKeys, _batchKeyStarts.AsSpan(0, rows + 1), groups, added);
        }
        else
        {
            for (var r = 0; r < rows; r++) groups[r] = Add(_codec.Encode(batch.Columns, r)[8..]);
            return;
        }
        for (var r = 0; r < rows; r++)
        {
            if (added[r]) Added(groups[r]);
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        if (!watermark.IsIdle) _watermark = Math.Max(_watermark, watermark.Time);
        output.EmitWatermark(watermark);
    }

    public void OnTick(long nowNanos, IOutput output)
    {
        WatchGrowth();
        if (_lastFlush != long.MinValue && nowNanos - _lastFlush < _flushIntervalNanos) return;
        _lastFlush = nowNanos;
        Flush(output);
        Expire();
    }

    /// <summary>After the table grew, compacts the heap if the arrays it replaced left enough free space (<see cref="Arroyo.Core.Memory.HeapCompaction"/>).</summary>
    private void WatchGrowth()
    {
        var outcome = _growth.Tick(_index.SlotCount + (long)_flags.Capacity + _aggregates.Capacity);
        if (outcome is { Compacted: true } o)
        {
            _context?.Log($"compacted the heap after the table grew to {_index.Count} keys: {o.FragmentedBytes >> 20} MB free of {o.HeapBytes >> 20} MB, paused {o.Pause.TotalMilliseconds:F0} ms ({o.Cpu.TotalMilliseconds:F0} ms CPU)");
        }
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        Flush(output);
        var stored = _table.StoredName;
        var changes = _dirtyCount + (long)_removedSinceCheckpoint.Count;
        var full = _fullNext || !state.CanKeepPrevious(stored) || _deltas >= MaxDeltas || (_deltaRows + changes) * 2 > _index.Count;
        if (!full) state.KeepPrevious(stored);
        var chunk = new StateChunk(this);
        var wroteAny = false;
        void Write()
        {
            state.WriteTable(stored, chunk.Take());
            wroteAny = true;
        }
        if (!full)
        {
            // Tombstones first: a key removed and added again since the last checkpoint is then
            // removed and restored in that order.
            foreach (var key in _removedSinceCheckpoint)
            {
                chunk.AppendTombstone(key);
                if (chunk.IsFull) Write();
            }
        }
        for (var g = 0; g < _index.Capacity; g++)
        {
            if (!_index.IsLive(g)) continue;
            ref var flags = ref _flags[g];
            if (!full && (flags & DirtyFlag) == 0) continue;
            flags &= unchecked((byte)~DirtyFlag);
            chunk.Append(g);
            if (chunk.IsFull) Write();
        }
        // Even empty, the table is listed in this checkpoint's file: every file says what it holds.
        if (chunk.Rows > 0 || !wroteAny) state.WriteTable(stored, chunk.Take());
        _deltaRows = full ? 0 : _deltaRows + changes;
        _deltas = full ? 0 : _deltas + 1;
        _dirtyCount = 0;
        _fullNext = false;
        _removedSinceCheckpoint.Clear();
    }

    /// <summary>
    /// Rows of the state table being written: at most a chunk of ids at a time, built from the
    /// live columns and handed to the writer, so a checkpoint never holds a copy of the table.
    /// </summary>
    private sealed class StateChunk
    {
        // 8 Ki rows: a column of longs is 64 KB, under the large-object threshold, so a chunk
        // is young garbage once the writer encoded it, not large-object-heap garbage that
        // stays in the process until a full collection.
        private const int MaxRows = 8192;

        /// <summary>
        /// Bytes of accumulator blobs past which a chunk is full before <see cref="MaxRows"/>:
        /// blobs of value tables (count(DISTINCT), Nexmark q16's ~2 KB per channel, ~700 KB for
        /// its four hot ones) made an 8 Ki-row chunk ~18 MB, a string column grown by doubling
        /// and copied into a state part past the part buffer's size, which then grew as well.
        /// </summary>
        private const int MaxBlobBytes = 1 << 20;

        private readonly UpdatingAggregateOperator _op;
        private readonly Schema _keySchema;
        // Used for every chunk: Build() hands a builder's buffers to its column and starts the
        // next ones at the sizes the last chunk reached, so a blob column does not grow by
        // doubling again (a fresh large array and a copy at each step) in every chunk.
        private readonly ColumnBuilder[] _builders;
        // Blobs are written straight into their column's buffer.
        private readonly StringValueStream _blob = new();
        private readonly BinaryWriter _blobWriter;

        public StateChunk(UpdatingAggregateOperator op)
        {
            _op = op;
            _keySchema = new Schema(StateBatches.KeyFields(op._spec.Input, op._keys).ToList());
            _blobWriter = new BinaryWriter(_blob);
            // The hash column is filled at Take from the key columns.
            _builders = op._table.Schema.Fields.Skip(1).Select(f => ColumnBuilder.Create(f.Type, MaxRows)).ToArray();
        }

        public int Rows { get; private set; }

        // Bytes of blobs appended since the last Take.
        private long _blobBytes;

        public bool IsFull => Rows == MaxRows || _blobBytes >= MaxBlobBytes;

        public void Append(int g)
        {
            var op = _op;
            var n = op._keys.Length;
            KeyCodec.DecodeValues(op._index.KeyOf(g), 0, _builders[..n]);
            var column = n;
            ((PrimitiveColumnBuilder<bool>)_builders[column++]).Append(false);
            if (op._countRows) ((PrimitiveColumnBuilder<long>)_builders[column++]).Append(op._rowCounts[g]);
            ((PrimitiveColumnBuilder<long>)_builders[column++]).Append(op._lastTime[g]);
            var emitted = (op._flags[g] & EmittedFlag) != 0;
            ((PrimitiveColumnBuilder<bool>)_builders[column++]).Append(emitted);
            ((PrimitiveColumnBuilder<long>)_builders[column++]).Append(op._emittedTime[g]);
            for (var a = 0; a < op._aggregates.Count; a++)
            {
                if (op._accumulatorState[a].Length > 0)
                {
                    op._aggregates.Accumulator(a).SaveState(g, _builders, column);
                    column += op._accumulatorState[a].Length;
                    continue;
                }
                _blob.Begin((StringColumnBuilder)_builders[column++]);
                op._aggregates.Write(g, a, _blobWriter);
                _blobWriter.Flush();
                _blobBytes += _blob.End();
            }
            foreach (var e in op._emittedValues) e.WriteState(g, emitted, _builders[column++]);
            Rows++;
        }

        /// <summary>A row saying the key is gone: only its hash and key columns mean anything.</summary>
        public void AppendTombstone(byte[] key)
        {
            var n = _op._keys.Length;
            KeyCodec.DecodeValues(key, 0, _builders[..n]);
            ((PrimitiveColumnBuilder<bool>)_builders[n]).Append(true);
            for (var c = n + 1; c < _builders.Length; c++) _builders[c].AppendNull();
            Rows++;
        }

        public Batch Take()
        {
            var n = _op._keys.Length;
            var columns = new Column[_builders.Length + 1];
            for (var c = 0; c < _builders.Length; c++) columns[c + 1] = _builders[c].Build();
            var hashes = new ulong[Rows];
            var keys = new Batch(_keySchema, columns[1..(n + 1)], Rows);
            Arroyo.Core.Partitioning.KeyHasher.HashRows(keys, Enumerable.Range(0, n).ToArray(), hashes);
            columns[0] = new PrimitiveColumn<ulong>(DataType.UInt64, hashes);
            var batch = new Batch(_op._table.Schema, columns, Rows);
            Rows = 0;
            _blobBytes = 0;
            return batch;
        }
    }

    public void OnEnd(IOutput output) => Flush(output);

    /// <summary>Changed groups flushed per output batch (see <see cref="Flush"/>).</summary>
    private const int FlushSlice = 8192;

    private void Flush(IOutput output)
    {
        if (_changedCount == 0) return;
        // A slice at a time: when most of a big table changed, one batch of every change would
        // be transient memory (and downstream work) the size of the table.
        if (_changedCount <= ChangedListMax)
        {
            var changed = _changed.AsSpan(0, _changedCount);
            changed.Sort();
            for (var start = 0; start < changed.Length; start += FlushSlice)
            {
                FlushGroups(changed.Slice(start, Math.Min(FlushSlice, changed.Length - start)), output);
            }
        }
        else
        {
            // More changed than listed: every group with the flag, in id order (as the sorted
            // list), collected a slice at a time into the list's array.
            var found = 0;
            for (var g = 0; g < _index.Capacity; g++)
            {
                if (!_index.IsLive(g) || (_flags[g] & ChangedFlag) == 0) continue;
                _changed[found++] = g;
                if (found < FlushSlice) continue;
                FlushGroups(_changed.AsSpan(0, found), output);
                found = 0;
            }
            if (found > 0) FlushGroups(_changed.AsSpan(0, found), output);
        }
        _changedCount = 0;
    }

    private void FlushGroups(ReadOnlySpan<int> changed, IOutput output)
    {
        var count = _aggregates.Count;
        var changedCount = changed.Length;

        // The current values of every changed group that still has rows, one column per aggregate.
        var evaluated = _spec.Aggregates.Select(a => ColumnBuilder.Create(a.ResultType, changedCount)).ToArray();
        foreach (var g in changed)
        {
            if (HasRows(g)) _aggregates.Evaluate(g, evaluated, 0);
        }
        var current = evaluated.Select(b => b.Build()).ToArray();

        var output_ = _spec.Output;
        var builders = output_.Fields.Select(f => ColumnBuilder.Create(f.Type, changedCount * 2)).ToArray();
        var n = _keys.Length;
        var keyBuilders = builders[..n];
        var retractBuilder = (PrimitiveColumnBuilder<bool>)builders[output_.RetractIndex];
        var timestampBuilder = (PrimitiveColumnBuilder<long>)builders[output_.TimestampIndex];
        var sameType = new bool[count];
        for (var a = 0; a < count; a++) sameType[a] = builders[n + a].Type.Equals(current[a].Type);
        var rows = 0;
        var row = -1;
        foreach (var g in changed)
        {
            ref var flags = ref _flags[g];
            flags &= unchecked((byte)~ChangedFlag);
            var previous = (flags & EmittedFlag) != 0;
            var hasRows = HasRows(g);
            if (hasRows)
            {
                row++;
                if (previous && Unchanged(g, current, row)) continue;
            }
            if (previous)
            {
                KeyCodec.DecodeValues(_index.KeyOf(g), 0, keyBuilders);
                for (var a = 0; a < count; a++) _emittedValues[a].AppendTo(g, builders[n + a]);
                retractBuilder.Append(true);
                timestampBuilder.Append(_emittedTime[g]);
                rows++;
            }
            if (hasRows)
            {
                KeyCodec.DecodeValues(_index.KeyOf(g), 0, keyBuilders);
                for (var a = 0; a < count; a++)
                {
                    if (sameType[a]) builders[n + a].AppendFrom(current[a], row);
                    else builders[n + a].AppendObject(current[a].GetValue(row));
                    _emittedValues[a].Set(g, current[a], row);
                }
                retractBuilder.Append(false);
                timestampBuilder.Append(_lastTime[g]);
                rows++;
                flags |= EmittedFlag;
                _emittedTime[g] = _lastTime[g];
            }
            else
            {
                // The group is empty: forget it.
                Remove(g);
            }
        }
        if (rows > 0) output.Emit(new Batch(output_, builders.Select(b => b.Build()).ToArray(), rows));
    }

    private bool HasRows(int g) => !_countRows || _rowCounts[g] > 0;

    private bool Unchanged(int g, Column[] current, int row)
    {
        for (var a = 0; a < current.Length; a++)
        {
            if (!_emittedValues[a].EqualTo(g, current[a], row)) return false;
        }
        return true;
    }

    // Keys not updated for the TTL (in event time) are forgotten without output, as the reference's expiring state.
    // The +∞ watermark of end of input is not time passing: upstream updating operators still
    // flush their last changes after it, and those must meet the state they update.
    private void Expire()
    {
        if (_watermark == long.MinValue || _watermark == long.MaxValue || _spec.Ttl <= TimeSpan.Zero) return;
        var cutoff = _watermark - Nanoseconds.From(_spec.Ttl);
        for (var g = 0; g < _index.Capacity; g++)
        {
            if (_index.IsLive(g) && _lastTime[g] < cutoff && (_flags[g] & ChangedFlag) == 0) Remove(g);
        }
    }
}
