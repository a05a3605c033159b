using Arroyo.Expressions.Aggregates;
using System.Buffers;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// Tumbling and sliding window aggregation: one group per (window start, key), accumulators
/// updated as rows arrive (each row goes into width/slide windows), results emitted when the
/// watermark reaches a window's end. Tumbling is the case slide = width.
/// </summary>
internal sealed class WindowedAggregator : EventTimeOperator
{
    public const string TableName = "window_aggregates";

    private readonly Schema _input;
    private readonly int[] _keys;
    private readonly long _width;
    private readonly long _slide;
    private readonly int? _windowIndex;
    private readonly Schema _output;
    private readonly AggregateSet _aggregates;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    // Set when the key is no column or one 64-bit column: groups are found by value, without
    // encoding the key or hashing it per row, and _groups stays empty.
    private readonly LongKeyTable? _fixed;
    private readonly SortedDictionary<long, List<int>> _windows = new();
    // The window the last new group went into (rows mostly arrive in time order).
    private long _lastStart;
    private List<int>? _lastList;
    private long _lateRows;
    private OperatorContext? _context;

    public WindowedAggregator(Schema input, IReadOnlyList<int> keys, IReadOnlyList<AggregateCall> aggregates,
        long width, long slide, int? windowIndex, Schema output, AggregateRegistry registry)
    {
        if (width <= 0 || slide <= 0 || width % slide != 0) throw new ArgumentException("window width must be a positive multiple of the slide");
        _input = input;
        _keys = keys.ToArray();
        _width = width;
        _slide = slide;
        _windowIndex = windowIndex;
        _output = output;
        _aggregates = new AggregateSet(aggregates, input, registry, retracting: false);
        _codec = new KeyCodec(_keys);
        _fixed = LongKeyTable.For(_keys, input);
    }

    private int GroupCapacity => _fixed?.Capacity ?? _groups.Capacity;

    /// <summary>Whether groups are found by value (<see cref="LongKeyTable"/>) rather than by encoded key.</summary>
    internal bool FindsGroupsByValue => _fixed is not null;

    public override void Open(OperatorContext context)
    {
        _context = context;
        var restoreCodec = new KeyCodec(Enumerable.Range(2, _keys.Length).ToArray());
        foreach (var batch in context.State.ReadTable(TableName))
        {
            var hashes = (PrimitiveColumn<ulong>)batch.Columns[0];
            var starts = (PrimitiveColumn<long>)batch.Columns[1];
            for (var r = 0; r < batch.RowCount; r++)
            {
                var start = starts.Values[r];
                var g = _fixed is null ? AddGroup(hashes.Values[r], restoreCodec.Encode(batch.Columns, r, start), start)
                    : !_fixed.HasKey ? AddFixedGroup(start, 0, isNull: false)
                    : AddFixedGroup(start, ((PrimitiveColumn<long>)batch.Columns[2]).Values[r], batch.Columns[2].IsNull(r));
                for (var a = 0; a < _aggregates.Count; a++)
                {
                    var blob = (StringColumn)batch.Columns[2 + _keys.Length + a];
                    _aggregates.Deserialize(g, a, blob.GetBytes(r));
                }
            }
        }
    }

    public override void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        if (_fixed is not null)
        {
            OnFixedKeyBatch(batch);
            return;
        }
        var windowsPerRow = (int)(_width / _slide);
        var hashes = ArrayPool<ulong>.Shared.Rent(rows);
        // Group of row r in its k-th window at groups[k * rows + r] (-1: late, skipped).
        var groups = ArrayPool<int>.Shared.Rent(rows * windowsPerRow);
        var key = ArrayPool<byte>.Shared.Rent(64);
        try
        {
            Arroyo.Core.Partitioning.KeyHasher.HashRows(batch, _keys, hashes);
            var timestamps = batch.Timestamps.Values;
            var any = new bool[windowsPerRow];
            for (var r = 0; r < rows; r++)
            {
                if (windowsPerRow == 1)
                {
                    // Tumbling: one window per row, keyed straight from the codec's buffer.
                    var start = FloorDiv(timestamps[r], _slide) * _slide;
                    if (start + _width <= CurrentWatermark)
                    {
                        groups[r] = -1;
                        _lateRows++;
                        continue;
                    }
                    groups[r] = AddGroup(hashes[r], _codec.Encode(batch.Columns, r, start), start);
                    any[0] = true;
                    continue;
                }
                // A row's windows differ only in the 8-byte start prefix: encode its key once.
                var encoded = _codec.Encode(batch.Columns, r);
                if (encoded.Length > key.Length)
                {
                    ArrayPool<byte>.Shared.Return(key);
                    key = ArrayPool<byte>.Shared.Rent(encoded.Length);
                }
                encoded.CopyTo(key);
                var keySpan = key.AsSpan(0, encoded.Length);
                var first = FloorDiv(timestamps[r], _slide) * _slide;
                for (var k = 0; k < windowsPerRow; k++)
                {
                    var start = first - k * _slide;
                    if (start + _width <= CurrentWatermark)
                    {
                        groups[k * rows + r] = -1;
                        if (k == 0) _lateRows++;
                        continue;
                    }
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(keySpan, start);
                    groups[k * rows + r] = AddGroup(hashes[r], keySpan, start);
                    any[k] = true;
                }
            }
            for (var k = 0; k < windowsPerRow; k++)
            {
                if (any[k]) _aggregates.Update(batch, groups.AsSpan(k * rows, rows), default);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<int>.Shared.Return(groups);
            ArrayPool<byte>.Shared.Return(key);
        }
    }

    /// <summary>As the loop of <see cref="OnBatch"/>, for a key of no column or one 64-bit column (<see cref="_fixed"/>).</summary>
    private void OnFixedKeyBatch(Batch batch)
    {
        var rows = batch.RowCount;
        var windowsPerRow = (int)(_width / _slide);
        var groups = ArrayPool<int>.Shared.Rent(rows * windowsPerRow);
        try
        {
            var timestamps = batch.Timestamps.Values;
            var keyColumn = _fixed!.KeyColumnOf(batch);
            var values = keyColumn?.Values;
            var validity = keyColumn?.Validity;
            var any = new bool[windowsPerRow];
            // Rows of one key and window often follow each other (always, without a key column).
            long lastStart = 0, lastValue = 0;
            var lastNull = false;
            var lastGroup = -1;
            for (var r = 0; r < rows; r++)
            {
                var value = values is null ? 0 : values[r];
                var isNull = validity is not null && !validity.Get(r);
                var first = FloorDiv(timestamps[r], _slide) * _slide;
                for (var k = 0; k < windowsPerRow; k++)
                {
                    var start = first - k * _slide;
                    if (start + _width <= CurrentWatermark)
                    {
                        groups[k * rows + r] = -1;
                        if (k == 0) _lateRows++;
                        continue;
                    }
                    if (lastGroup < 0 || start != lastStart || value != lastValue || isNull != lastNull)
                    {
                        lastGroup = AddFixedGroup(start, value, isNull);
                        lastStart = start;
                        lastValue = value;
                        lastNull = isNull;
                    }
                    groups[k * rows + r] = lastGroup;
                    any[k] = true;
                }
            }
            for (var k = 0; k < windowsPerRow; k++)
            {
                if (any[k]) _aggregates.Update(batch, groups.AsSpan(k * rows, rows), default);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(groups);
        }
    }

    private int AddGroup(ulong hash, ReadOnlySpan<byte> key, long start)
    {
        var g = _groups.FindOrAdd(hash, key, out var added);
        if (added) OnGroupAdded(g, start);
        return g;
    }

    private int AddFixedGroup(long start, long value, bool isNull)
    {
        var g = _fixed!.FindOrAdd(start, value, isNull, out var added);
        if (added) OnGroupAdded(g, start);
        return g;
    }

    private void OnGroupAdded(int g, long start)
    {
        _aggregates.EnsureCapacity(GroupCapacity);
        _aggregates.Clear(g);
        if (start != _lastStart || _lastList is null)
        {
            if (!_windows.TryGetValue(start, out var list)) _windows[start] = list = [];
            _lastStart = start;
            _lastList = list;
        }
        _lastList.Add(g);
    }

    private void AppendKey(int g, ColumnBuilder[] keyBuilders)
    {
        if (_fixed is null) KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
        else _fixed.AppendKey(g, keyBuilders.Length > 0 ? keyBuilders[0] : null);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : (a - b + 1) / b;

    protected override void EmitReady(IOutput output)
    {
        List<(long Start, List<int> Groups)>? closed = null;
        foreach (var (start, groups) in _windows)
        {
            if (start + _width > CurrentWatermark) break;
            (closed ??= []).Add((start, groups));
        }
        if (closed is null) return;
        var chunks = new ChunkedBatchBuilder(_output, output.Emit);
        var builders = chunks.Builders;
        var windowOffset = _windowIndex.HasValue ? 1 : 0;
        var keyBuilders = new ColumnBuilder[_keys.Length];
        for (var i = 0; i < _keys.Length; i++) keyBuilders[i] = builders[_windowIndex is { } w && i >= w ? i + 1 : i];
        var aggregateOffset = _keys.Length + windowOffset;
        var timestampBuilder = (PrimitiveColumnBuilder<long>)builders[^1];
        var removed = new List<int>();
        foreach (var (start, groups) in closed)
        {
            _windows.Remove(start);
            if (start == _lastStart) _lastList = null;
            var end = start + _width;
            foreach (var g in groups)
            {
                AppendKey(g, keyBuilders);
                if (_windowIndex is { } wi)
                {
                    var window = (StructColumnBuilder)builders[wi];
                    ((PrimitiveColumnBuilder<long>)window.Children[0]).Append(start);
                    ((PrimitiveColumnBuilder<long>)window.Children[1]).Append(end);
                    window.EndRow();
                }
                _aggregates.Evaluate(g, builders, aggregateOffset);
                timestampBuilder.Append(end - 1);
                _aggregates.Clear(g);
                removed.Add(g);
                chunks.EndRow();
            }
            chunks.Flush();
            ProgressWatermark.AfterWindow(end, CurrentWatermark, output);
        }
        if (_fixed is null) _groups.RemoveMany(removed);
        else _fixed.RemoveMany(removed);
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
        var fields = new List<Field> { StateBatches.KeyHashField, new("window_start", DataType.Timestamp, false) };
        fields.AddRange(StateBatches.KeyFields(_input, _keys));
        fields.AddRange(_aggregates.Calls.Select((_, i) => new Field($"a{i}", DataType.Binary, false)));
        var schema = new Schema(fields);
        var chunks = new ChunkedBatchBuilder(schema, batch => state.WriteTable(TableName, batch));
        var builders = chunks.Builders;
        var keyBuilders = builders[2..(2 + _keys.Length)];
        foreach (var (start, groups) in _windows)
        {
            foreach (var g in groups)
            {
                ((PrimitiveColumnBuilder<ulong>)builders[0]).Append(_fixed?.HashOf(g) ?? _groups.HashOf(g));
                ((PrimitiveColumnBuilder<long>)builders[1]).Append(start);
                AppendKey(g, keyBuilders);
                for (var a = 0; a < _aggregates.Count; a++)
                {
                    ((StringColumnBuilder)builders[2 + _keys.Length + a]).Append(_aggregates.Serialize(g, a));
                }
                chunks.EndRow();
            }
        }
        chunks.Flush();
    }

}
