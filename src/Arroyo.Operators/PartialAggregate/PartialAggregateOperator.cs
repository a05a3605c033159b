using System.Buffers;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.PartialAggregate;

/// <summary>
/// Runs a <see cref="PartialAggregateSpec"/>: partial accumulators per (bin, key) for the rows
/// seen since the last emission, emitted as rows (keys, partial results, <c>_timestamp</c> = bin
/// start) in the order their groups were created, which is the order the merging aggregate
/// would have met the first row of each. Emits everything before a barrier, the end of input,
/// an idle watermark or a watermark that closes a window, and when it holds more than
/// <see cref="PartialAggregateSpec.MaxGroups"/> groups; so it has no checkpoint state.
/// <para>When aggregating does not pay (more than a quarter as many groups as rows over a
/// sample, e.g. a key with many values such as q12's bidder), it passes rows on as partials of
/// one row each for a while (<see cref="PassThrough"/>: the key and argument columns as they are,
/// count as ones, or as 0/1 where it skips NULLs or has a FILTER), which costs the upstream nothing per row; then it samples again. Both forms
/// merge to the same answer, and the switch happens only when nothing is held, so the order of
/// first appearance is kept too.</para>
/// <para>It keeps nothing of a batch after its call (keys are encoded or held by value, string
/// minima copied) and emits only arrays of its own — passed-through rows are copies — so a
/// nexmark source ahead of it in the chain may reuse its arrays although the partials then
/// cross a shuffle (<see cref="IOperator.EmitsInputArrays"/>): without that the generator
/// allocates ~200 B of fresh arrays per event, most of which this operator folds away.</para>
/// </summary>
public sealed class PartialAggregateOperator : IOperator
{
    private readonly PartialAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly long _bin;
    private readonly AggregateSet _partials;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    // Set when the key is no column or one 64-bit column: groups found by value (_groups stays empty).
    private readonly LongKeyTable? _fixed;
    // Group ids in creation order: the tables hand out 0, 1, … after being emptied, but a list
    // keeps the order without relying on that.
    private readonly List<int> _created = [];
    // The highest watermark passed on; partials are held across watermarks in the same bin.
    private long _watermark = long.MinValue;
    // Whether every call's partial of a single row is a column at hand or a count of it: the
    // argument of the result type (no FILTER), or a count as ones or 0/1 (a FILTER makes the rows
    // it leaves out 0): only then can rows pass through.
    private readonly bool _canPassThrough;
    private readonly int[] _argumentOf;
    private long _sampledRows, _sampledGroups, _passThroughRows;
    private long[] _ones = [];

    private int[] _allRows = [];

    /// <summary>Rows aggregated before judging whether aggregating reduces them enough.</summary>
    internal const int SampleRows = 16384;

    public PartialAggregateOperator(PartialAggregateSpec spec, FunctionLibrary functions)
    {
        if (spec.BinNanos <= 0) throw new ArgumentException("the bin width must be positive");
        if (!spec.Aggregates.All(c => PartialAggregateSpec.Merges(c, spec.Input))) throw new ArgumentException("an aggregate cannot be merged from partials");
        _spec = spec;
        _keys = spec.KeyColumns.ToArray();
        _bin = spec.BinNanos;
        _partials = new AggregateSet(spec.Aggregates, spec.Input, functions.Aggregates, retracting: false);
        _codec = new KeyCodec(_keys);
        _fixed = LongKeyTable.For(_keys, spec.Input);
        _argumentOf = spec.Aggregates.Select(c => c.Args.Count == 1 ? c.Args[0] : -1).ToArray();
        _canPassThrough = spec.Aggregates.All(c => c.Function.Name == "count"
            || (c.FilterColumn is null && c.Args.Count == 1 && spec.Input[c.Args[0]].Type == c.ResultType));
    }

    public bool RetainsInput => false;

    public bool EmitsInputArrays => false;

    /// <summary>Whether rows are passed through now (for tests).</summary>
    internal bool PassingThrough => _passThroughRows > 0;

    /// <summary>Groups held now (for tests).</summary>
    internal int HeldGroups => _created.Count;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        if (_passThroughRows > 0)
        {
            _passThroughRows -= rows;
            output.Emit(PassThrough(batch));
            return;
        }
        _sampledRows += rows;
        var groups = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            if (_fixed is not null) FixedKeyGroups(batch, groups);
            else EncodedKeyGroups(batch, groups);
            _partials.Update(batch, groups.AsSpan(0, rows), default);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(groups);
        }
        // Past the bound, or a sample shows aggregating does not pay (Emit then switches to passing rows through).
        if (_created.Count > _spec.MaxGroups || (_canPassThrough && _sampledRows >= SampleRows && (_sampledGroups + _created.Count) * 4 > _sampledRows)) Emit(output);
    }

    private void FixedKeyGroups(Batch batch, int[] groups)
    {
        var timestamps = batch.Timestamps.Values;
        var keyColumn = _fixed!.KeyColumnOf(batch);
        var values = keyColumn?.Values;
        var validity = keyColumn?.Validity;
        // Rows of one key and bin often follow each other (always, without a key column).
        long lastStart = 0, lastValue = 0;
        var lastNull = false;
        var lastGroup = -1;
        for (var r = 0; r < batch.RowCount; r++)
        {
            var value = values is null ? 0 : values[r];
            var isNull = validity is not null && !validity.Get(r);
            var start = BinOf(timestamps[r]);
            if (lastGroup < 0 || start != lastStart || value != lastValue || isNull != lastNull)
            {
                lastGroup = _fixed.FindOrAdd(start, value, isNull, out var added);
                if (added) OnGroupAdded(lastGroup, _fixed.Capacity);
                lastStart = start;
                lastValue = value;
                lastNull = isNull;
            }
            groups[r] = lastGroup;
        }
    }

    private void EncodedKeyGroups(Batch batch, int[] groups)
    {
        var rows = batch.RowCount;
        var hashes = ArrayPool<ulong>.Shared.Rent(rows);
        try
        {
            KeyHasher.HashRows(batch, _keys, hashes);
            var timestamps = batch.Timestamps.Values;
            for (var r = 0; r < rows; r++)
            {
                var g = _groups.FindOrAdd(hashes[r], _codec.Encode(batch.Columns, r, BinOf(timestamps[r])), out var added);
                if (added) OnGroupAdded(g, _groups.Capacity);
                groups[r] = g;
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
        }
    }

    private void OnGroupAdded(int g, int capacity)
    {
        _partials.EnsureCapacity(capacity);
        _partials.Clear(g);
        _created.Add(g);
    }

    private long BinOf(long t) => (t >= 0 ? t / _bin : (t - _bin + 1) / _bin) * _bin;

    public void OnWatermark(Watermark watermark, IOutput output)
    {
        // An idle sender is left out of the downstream minimum, so whatever it holds could
        // arrive after the others moved the watermark on: emit it first.
        if (watermark.IsIdle) Emit(output);
        else
        {
            if (ClosesWindow(watermark.Time)) Emit(output);
            _watermark = Math.Max(_watermark, watermark.Time);
        }
        output.EmitWatermark(watermark);
    }

    /// <summary>
    /// Whether the merging aggregate could decide anything differently at <paramref name="time"/>
    /// than at the last watermark passed on: windows start at multiples of the bin width and
    /// their widths are multiples of it, so lateness and which windows a new bin group joins
    /// change only when a multiple of the bin width is passed.
    /// </summary>
    private bool ClosesWindow(long time)
    {
        if (time <= _watermark) return false;
        if (_watermark == long.MinValue || time == long.MaxValue) return true;
        return BinOf(time) > BinOf(_watermark);
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Emit(output);

    public void OnEnd(IOutput output) => Emit(output);

    /// <summary>Emits every held group's partials, in creation order, and forgets them.</summary>
    private void Emit(IOutput output)
    {
        if (_created.Count == 0) return;
        var chunks = new ChunkedBatchBuilder(_spec.Output, output.Emit);
        var builders = chunks.Builders;
        var keyBuilders = builders[.._keys.Length];
        var timestamps = (PrimitiveColumnBuilder<long>)builders[^1];
        foreach (var g in _created)
        {
            long start;
            if (_fixed is null)
            {
                var key = _groups.KeyOf(g);
                KeyCodec.Decode(key, keyBuilders);
                start = KeyCodec.Prefix(key);
            }
            else
            {
                _fixed.AppendKey(g, keyBuilders.Length > 0 ? keyBuilders[0] : null);
                start = _fixed.PrefixOf(g);
            }
            _partials.Evaluate(g, builders, _keys.Length);
            timestamps.Append(start);
            chunks.EndRow();
        }
        chunks.Flush();
        if (_fixed is null) _groups.RemoveMany(_created);
        else _fixed.RemoveMany(_created);
        _sampledGroups += _created.Count;
        _created.Clear();
        if (_sampledRows < SampleRows) return;
        // Nothing is held now, so rows may pass through from here on without reordering.
        if (_canPassThrough && _sampledGroups * 4 > _sampledRows) _passThroughRows = 16 * _sampledRows;
        _sampledRows = _sampledGroups = 0;
    }

    /// <summary>
    /// The rows of <paramref name="batch"/> as partials of one row each: copies of the keys,
    /// arguments and <c>_timestamp</c> (it falls in the same bin). Copies, because the source may
    /// overwrite the batch's arrays once this call returns (<see cref="EmitsInputArrays"/>).
    /// </summary>
    private Batch PassThrough(Batch batch)
    {
        var rows = batch.RowCount;
        var all = AllRows(rows);
        var columns = new Column[_spec.Output.Count];
        for (var k = 0; k < _keys.Length; k++) columns[k] = batch.Columns[_keys[k]].Take(all);
        for (var i = 0; i < _argumentOf.Length; i++)
        {
            var call = _spec.Aggregates[i];
            var filter = call.FilterColumn is { } f ? (PrimitiveColumn<bool>)batch.Columns[f] : null;
            columns[_keys.Length + i] = call.Function.Name != "count" ? batch.Columns[_argumentOf[i]].Take(all)
                : _argumentOf[i] < 0 && filter is null ? Ones(rows)
                : CountOfOne(_argumentOf[i] < 0 ? null : batch.Columns[_argumentOf[i]], filter, rows);
        }
        columns[^1] = batch.Columns[batch.Schema.TimestampIndex].Take(all);
        return new Batch(_spec.Output, columns, rows);
    }

    private ReadOnlySpan<int> AllRows(int rows)
    {
        if (_allRows.Length < rows)
        {
            _allRows = new int[Math.Max(rows, 2 * _allRows.Length)];
            for (var r = 0; r < _allRows.Length; r++) _allRows[r] = r;
        }
        return _allRows.AsSpan(0, rows);
    }

    private PrimitiveColumn<long> Ones(int rows)
    {
        // Shared by the batches passed on: columns are never written once built.
        if (_ones.Length < rows) _ones = Enumerable.Repeat(1L, Math.Max(rows, 2 * _ones.Length)).ToArray();
        return new PrimitiveColumn<long>(Arroyo.Core.Types.DataType.Int64, _ones, rows);
    }

    /// <summary>count of one row: 1 where the argument (if any) is not null and the filter (if any) is true, else 0.</summary>
    private static PrimitiveColumn<long> CountOfOne(Column? argument, PrimitiveColumn<bool>? filter, int rows)
    {
        var values = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            var counts = (argument is null || argument.IsValid(r)) && (filter is null || (filter.IsValid(r) && filter.Values[r]));
            values[r] = counts ? 1 : 0;
        }
        return new PrimitiveColumn<long>(Arroyo.Core.Types.DataType.Int64, values);
    }
}
