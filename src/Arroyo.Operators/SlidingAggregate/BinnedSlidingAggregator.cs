using System.Buffers;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions.Aggregates;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.SlidingAggregate;

/// <summary>
/// Two-phase sliding (hop) aggregation, as the reference's sliding_aggregating_window: one
/// partial accumulator set per (slide-sized bin, key); when the watermark passes a window's
/// end, the partials of its width/slide bins are combined per key by a second aggregate over
/// the partial results (count → sum of counts, integer sum → sum of sums, min/max → min/max
/// of the partials), and bins no later window covers are dropped. State is one group per bin
/// and key instead of width/slide. Only used when every call combines exactly
/// (<see cref="PartialAggregateSpec.Merges"/>); otherwise the per-window <see cref="WindowedAggregator"/> runs.
/// </summary>
internal sealed class BinnedSlidingAggregator : EventTimeOperator
{
    public const string TableName = "sliding_bins";

    private readonly Schema _input;
    private readonly int[] _keys;
    private readonly long _width;
    private readonly long _slide;
    private readonly int? _windowIndex;
    private readonly Schema _output;
    private readonly AggregateSet _partials;
    private readonly KeyCodec _codec;
    // Keys (without the bin) → key ids; (key id, bin) → bin group ids, which index the
    // partial accumulators. A closing window finds each bin group's key by id, so combining
    // a window never hashes a key.
    private readonly GroupTable _keyIds = new();
    // Set instead of _keyIds when the key is no column or one 64-bit column: key ids are found
    // by value, without encoding the key or hashing it per row.
    private readonly LongKeyTable? _fixedKeys;
    private readonly BinGroups _groups = new();
    private readonly SortedDictionary<long, List<int>> _bins = new();
    private long _lastBinStart = long.MinValue;
    private List<int>? _lastBinList;
    // Per bin group: creation order (output order within a window, as the per-window path) and
    // the first window start it may contribute to (the first window open when it was created,
    // or, restored, when the checkpoint was taken).
    private long[] _order = [];
    private long[] _minWindow = [];
    private long _nextOrder;
    private readonly WindowCombiner _combiner;
    private long _emittedThrough = long.MinValue;
    private long _lateRows;
    private OperatorContext? _context;

    public BinnedSlidingAggregator(Schema input, IReadOnlyList<int> keys, IReadOnlyList<AggregateCall> aggregates,
        long width, long slide, int? windowIndex, Schema output, AggregateRegistry registry)
    {
        if (width <= 0 || slide <= 0 || width % slide != 0) throw new ArgumentException("window width must be a positive multiple of the slide");
        if (!aggregates.All(c => PartialAggregateSpec.Merges(c, input))) throw new ArgumentException("an aggregate cannot be combined from partials");
        _input = input;
        _keys = keys.ToArray();
        _width = width;
        _slide = slide;
        _windowIndex = windowIndex;
        _output = output;
        _partials = new AggregateSet(aggregates, input, registry, retracting: false);
        _codec = new KeyCodec(_keys);
        _combiner = new WindowCombiner(_partials, aggregates, registry);
        _fixedKeys = LongKeyTable.For(_keys, input);
    }

    private int KeyCapacity => _fixedKeys?.Capacity ?? _keyIds.Capacity;

    /// <summary>Whether key ids are found by value (<see cref="LongKeyTable"/>) rather than by encoded key.</summary>
    internal bool FindsKeysByValue => _fixedKeys is not null;

    public override void Open(OperatorContext context)
    {
        _context = context;
        var restoreCodec = new KeyCodec(Enumerable.Range(2, _keys.Length).ToArray());
        foreach (var batch in context.State.ReadTable(TableName))
        {
            var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
            var starts = (PrimitiveColumn<long>)batch.Columns[1];
            var minWindows = (PrimitiveColumn<long>)batch.Columns[2 + _keys.Length + _partials.Count];
            for (var r = 0; r < batch.RowCount; r++)
            {
                var g = _fixedKeys is null ? GroupOf(hashes.Values[r], restoreCodec.Encode(batch.Columns, r), starts.Values[r])
                    : !_fixedKeys.HasKey ? FixedGroupOf(0, isNull: false, starts.Values[r])
                    : FixedGroupOf(((PrimitiveColumn<long>)batch.Columns[2]).Values[r], batch.Columns[2].IsNull(r), starts.Values[r]);
                _minWindow[g] = Math.Max(_minWindow[g], minWindows.Values[r]);
                for (var a = 0; a < _partials.Count; a++)
                {
                    var blob = (StringColumn)batch.Columns[2 + _keys.Length + a];
                    _partials.Deserialize(g, a, blob.GetBytes(r));
                }
            }
        }
    }

    public override void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        if (_fixedKeys is not null)
        {
            OnFixedKeyBatch(batch);
            return;
        }
        var hashes = ArrayPool<ulong>.Shared.Rent(rows);
        var groups = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, _keys, hashes);
            var timestamps = batch.Timestamps.Values;
            var any = false;
            for (var r = 0; r < rows; r++)
            {
                var bin = FloorDiv(timestamps[r], _slide) * _slide;
                // The bin's last window starts at the bin: if that one is closed, so are all.
                if (bin + _width <= CurrentWatermark)
                {
                    groups[r] = -1;
                    _lateRows++;
                    continue;
                }
                groups[r] = GroupOf(hashes[r], _codec.Encode(batch.Columns, r), bin);
                any = true;
            }
            if (any) _partials.Update(batch, groups.AsSpan(0, rows), default);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<int>.Shared.Return(groups);
        }
    }

    /// <summary>As <see cref="OnBatch"/>, for a key of no column or one 64-bit column (<see cref="_fixedKeys"/>).</summary>
    private void OnFixedKeyBatch(Batch batch)
    {
        var rows = batch.RowCount;
        var groups = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            var timestamps = batch.Timestamps.Values;
            var keyColumn = _fixedKeys!.KeyColumnOf(batch);
            var values = keyColumn?.Values;
            var validity = keyColumn?.Validity;
            var any = false;
            // Rows of one key often follow each other (always, without a key column): its id is kept.
            long lastValue = 0;
            var lastNull = false;
            var lastKey = -1;
            for (var r = 0; r < rows; r++)
            {
                var bin = FloorDiv(timestamps[r], _slide) * _slide;
                if (bin + _width <= CurrentWatermark)
                {
                    groups[r] = -1;
                    _lateRows++;
                    continue;
                }
                var value = values is null ? 0 : values[r];
                var isNull = validity is not null && !validity.Get(r);
                if (lastKey < 0 || value != lastValue || isNull != lastNull)
                {
                    lastKey = FixedKeyId(value, isNull);
                    lastValue = value;
                    lastNull = isNull;
                }
                var g = _groups.Find(lastKey, bin);
                groups[r] = g >= 0 ? g : AddGroup(lastKey, bin);
                any = true;
            }
            if (any) _partials.Update(batch, groups.AsSpan(0, rows), default);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(groups);
        }
    }

    private int FixedKeyId(long value, bool isNull)
    {
        var k = _fixedKeys!.FindOrAdd(0, value, isNull, out var added);
        if (added) _groups.EnsureKeys(_fixedKeys.Capacity);
        return k;
    }

    private int FixedGroupOf(long value, bool isNull, long bin)
    {
        var k = FixedKeyId(value, isNull);
        var g = _groups.Find(k, bin);
        return g >= 0 ? g : AddGroup(k, bin);
    }

    private void AppendKey(int key, ColumnBuilder[] keyBuilders)
    {
        if (_fixedKeys is null) KeyCodec.Decode(_keyIds.KeyOf(key), keyBuilders);
        else _fixedKeys.AppendKey(key, keyBuilders.Length > 0 ? keyBuilders[0] : null);
    }

    /// <summary>The bin group of a key (encoded without a prefix) in <paramref name="bin"/>, created if new.</summary>
    private int GroupOf(ulong hash, ReadOnlySpan<byte> key, long bin)
    {
        var k = _keyIds.FindOrAdd(hash, key, out var added);
        if (added) _groups.EnsureKeys(_keyIds.Capacity);
        var g = _groups.Find(k, bin);
        return g >= 0 ? g : AddGroup(k, bin);
    }

    private int AddGroup(int key, long bin)
    {
        var g = _groups.Add(key, bin);
        _partials.EnsureCapacity(_groups.Capacity);
        if (_order.Length < _groups.Capacity)
        {
            var size = Math.Max(_groups.Capacity, _order.Length * 2);
            Array.Resize(ref _order, size);
            Array.Resize(ref _minWindow, size);
        }
        _partials.Clear(g);
        _order[g] = _nextOrder++;
        // Windows already closed never see this group's rows (the per-window path drops them).
        _minWindow[g] = FirstOpenWindow();
        if (bin != _lastBinStart || _lastBinList is null)
        {
            if (!_bins.TryGetValue(bin, out var list)) _bins[bin] = list = [];
            _lastBinStart = bin;
            _lastBinList = list;
        }
        _lastBinList.Add(g);
        return g;
    }

    /// <summary>The earliest window start whose window the watermark has not closed.</summary>
    private long FirstOpenWindow() => CurrentWatermark == long.MinValue ? long.MinValue
        : CurrentWatermark == long.MaxValue ? long.MaxValue
        : (FloorDiv(CurrentWatermark - _width, _slide) + 1) * _slide;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : (a - b + 1) / b;

    protected override void EmitReady(IOutput output)
    {
        var span = _width - _slide;
        while (_bins.Count > 0)
        {
            var firstBin = _bins.First().Key;
            var start = firstBin - span;
            if (_emittedThrough != long.MinValue && start <= _emittedThrough) start = _emittedThrough + _slide;
            if (start > long.MaxValue - _width || start + _width > CurrentWatermark) break;
            // Batch-sized pieces per window: the combining scratch and the output of a window
            // are garbage before the next window is built.
            var chunks = new ChunkedBatchBuilder(_output, output.Emit);
            EmitWindow(start, chunks);
            chunks.Flush();
            ProgressWatermark.AfterWindow(start + _width, CurrentWatermark, output);
            _emittedThrough = start;
            // Bins at or before this window's start are covered by no later window.
            while (_bins.Count > 0)
            {
                var (bin, list) = _bins.First();
                if (bin > start) break;
                RemoveBin(list);
                _bins.Remove(bin);
                if (bin == _lastBinStart) _lastBinList = null;
            }
        }
    }

    private void RemoveBin(List<int> groups)
    {
        var emptied = new List<int>();
        foreach (var g in groups)
        {
            _partials.Clear(g);
            var key = _groups.KeyOf(g);
            _groups.Remove(g);
            if (_groups.GroupsOf(key) == 0) emptied.Add(key);
        }
        if (emptied.Count == 0) return;
        if (_fixedKeys is null) _keyIds.RemoveMany(emptied);
        else _fixedKeys.RemoveMany(emptied);
    }

    /// <summary>Combines the bins of window [start, start + width) per key and appends one row per key.</summary>
    private void EmitWindow(long start, ChunkedBatchBuilder chunks)
    {
        var end = start + _width;
        var combiner = _combiner;
        combiner.Begin(KeyCapacity);
        for (var bin = start; bin < end; bin += _slide)
        {
            if (!_bins.TryGetValue(bin, out var list)) continue;
            foreach (var g in list)
            {
                if (_minWindow[g] <= start) combiner.Add(g, _groups.KeyOf(g), _order[g]);
            }
        }
        var count = combiner.Finish(KeyCapacity);

        var builders = chunks.Builders;
        var windowOffset = _windowIndex.HasValue ? 1 : 0;
        var keyBuilders = new ColumnBuilder[_keys.Length];
        for (var i = 0; i < _keys.Length; i++) keyBuilders[i] = builders[_windowIndex is { } w && i >= w ? i + 1 : i];
        var aggregateOffset = _keys.Length + windowOffset;
        var timestampBuilder = (PrimitiveColumnBuilder<long>)builders[^1];
        var window = _windowIndex is { } wi ? (StructColumnBuilder)builders[wi] : null;
        for (var i = 0; i < count; i++)
        {
            AppendKey(combiner.KeyAt(i), keyBuilders);
            if (window is not null)
            {
                ((PrimitiveColumnBuilder<long>)window.Children[0]).Append(start);
                ((PrimitiveColumnBuilder<long>)window.Children[1]).Append(end);
                window.EndRow();
            }
            combiner.AppendResults(i, builders, aggregateOffset);
            timestampBuilder.Append(end - 1);
            chunks.EndRow();
        }
        combiner.End();
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
        var fields = new List<Field> { StateBatches.KeyHashField, new("bin_start", DataType.Timestamp, false) };
        fields.AddRange(StateBatches.KeyFields(_input, _keys));
        fields.AddRange(_partials.Calls.Select((_, i) => new Field($"a{i}", DataType.Binary, false)));
        fields.Add(new Field("min_window", DataType.Timestamp, false));
        var schema = new Schema(fields);
        var chunks = new ChunkedBatchBuilder(schema, batch => state.WriteTable(TableName, batch));
        var builders = chunks.Builders;
        var keyBuilders = builders[2..(2 + _keys.Length)];
        // Windows that ended at or before the watermark are emitted (or had no rows): restored
        // bins contribute only to windows after them.
        var firstOpen = FirstOpenWindow();
        if (_emittedThrough != long.MinValue) firstOpen = Math.Max(firstOpen, _emittedThrough + _slide);
        foreach (var (bin, groups) in _bins)
        {
            foreach (var g in groups)
            {
                var key = _groups.KeyOf(g);
                ((PrimitiveColumnBuilder<ulong>)builders[0]).Append(_fixedKeys?.HashOf(key) ?? _keyIds.HashOf(key));
                ((PrimitiveColumnBuilder<long>)builders[1]).Append(bin);
                AppendKey(key, keyBuilders);
                for (var a = 0; a < _partials.Count; a++)
                {
                    ((StringColumnBuilder)builders[2 + _keys.Length + a]).Append(_partials.Serialize(g, a));
                }
                ((PrimitiveColumnBuilder<long>)builders[^1]).Append(Math.Max(firstOpen, _minWindow[g]));
                chunks.EndRow();
            }
        }
        chunks.Flush();
    }

}
