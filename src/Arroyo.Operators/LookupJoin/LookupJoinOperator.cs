using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Expressions.Aggregates;
using Arroyo.Operators.Grouping;
using Arroyo.Operators.UpdatingJoin;

namespace Arroyo.Operators.LookupJoin;

/// <summary>
/// Runs a <see cref="LookupJoinSpec"/> against any <see cref="ILookupSource"/>. Per input batch:
/// the distinct non-NULL keys are collected, those the <see cref="LookupCache"/> answers are
/// taken from it, and all the others are fetched in one <see cref="ILookupSource.Lookup"/> call
/// (one round trip per batch, never one per key); then the output is gathered a column at a
/// time. A NULL key matches nothing (SQL equality), as an absent key: INNER drops the row, LEFT
/// keeps it with NULL lookup columns. Holds no checkpointed state: the cache is only a cache.
/// </summary>
public sealed class LookupJoinOperator : IOperator
{
    private readonly LookupJoinSpec _spec;
    private readonly ILookupSource _source;
    private readonly KeyCodec _codec;
    private readonly Schema _keySchema;
    private readonly Batch _nullRow;
    private LookupCache _cache = null!;

    public LookupJoinOperator(LookupJoinSpec spec, ILookupSource source)
    {
        if (spec.Kind is not (JoinKind.Inner or JoinKind.Left))
        {
            throw new NotSupportedException($"{spec.Kind} join is not supported for lookup tables; must be a left or inner join");
        }
        _spec = spec;
        _source = source;
        _codec = new KeyCodec(spec.KeyColumns);
        _keySchema = new Schema(spec.LookupKeyColumns.Select(c => spec.Lookup[c] with { Nullable = false }).ToArray());
        var nulls = spec.Lookup.Fields.Select(f =>
        {
            var builder = ColumnBuilder.Create(f.Type, 1);
            builder.AppendNull();
            return builder.Build();
        }).ToArray();
        _nullRow = new Batch(spec.Lookup, nulls, 1);
    }

    public void Open(OperatorContext context)
    {
        _cache = new LookupCache(_spec.CacheMaxBytes ?? LookupJoinSpec.DefaultCacheMaxBytes, _spec.CacheTtl);
        _source.Open(context);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var n = batch.RowCount;
        if (n == 0) return;
        // The answer for each row: a one-row batch of the lookup's columns, or null (absent or NULL key).
        var answers = new Batch?[n];
        var pending = new Dictionary<byte[], List<int>>(ByteKeyComparer.Instance);
        var byKey = pending.GetAlternateLookup<ReadOnlySpan<byte>>();
        var firstRows = new List<int>();
        for (var row = 0; row < n; row++)
        {
            if (HasNullKey(batch, row)) continue;
            var key = _codec.Encode(batch.Columns, row);
            if (byKey.TryGetValue(key, out var rows))
            {
                rows.Add(row);
                continue;
            }
            if (_cache.TryGet(key, out var cached))
            {
                answers[row] = cached;
                // Later rows with this key find it in the cache too (it was just refreshed).
                continue;
            }
            byKey[key] = [row];
            firstRows.Add(row);
        }
        if (firstRows.Count > 0) Fetch(batch, firstRows, pending, answers);
        Emit(batch, answers, output);
    }

    private bool HasNullKey(Batch batch, int row)
    {
        foreach (var c in _spec.KeyColumns)
        {
            if (batch.Columns[c].IsNull(row)) return true;
        }
        return false;
    }

    /// <summary>One lookup for every key the cache could not answer, in first-seen order.</summary>
    private void Fetch(Batch batch, List<int> firstRows, Dictionary<byte[], List<int>> pending, Batch?[] answers)
    {
        var indices = firstRows.ToArray();
        var keyColumns = _spec.KeyColumns.Select(c => batch.Columns[c].Take(indices)).ToArray();
        var result = _source.Lookup(new Batch(_keySchema, keyColumns, indices.Length));
        if (result.Rows.RowCount != indices.Length || result.Found.Length != indices.Length)
        {
            throw new InvalidOperationException(
                $"the lookup source of {_spec.Table.Name} answered {result.Rows.RowCount} rows for {indices.Length} keys (this is a bug)");
        }
        var i = 0;
        foreach (var (key, rows) in pending)
        {
            // Dictionary enumeration follows insertion order while nothing was removed, which matches firstRows.
            var answer = result.Found[i] ? result.Rows.Slice(i, 1) : null;
            _cache.Add(key, answer);
            foreach (var row in rows) answers[row] = answer;
            i++;
        }
    }

    private void Emit(Batch batch, Batch?[] answers, IOutput output)
    {
        int[] kept;
        if (_spec.Kind == JoinKind.Inner)
        {
            var list = new List<int>(answers.Length);
            for (var row = 0; row < answers.Length; row++)
            {
                if (answers[row] is not null) list.Add(row);
            }
            if (list.Count == 0) return;
            kept = list.ToArray();
        }
        else
        {
            kept = Enumerable.Range(0, answers.Length).ToArray();
        }
        var columns = new Column[_spec.Output.Count];
        var all = kept.Length == batch.RowCount;
        for (var c = 0; c < _spec.LeftFieldCount; c++) columns[c] = all ? batch.Columns[c] : batch.Columns[c].Take(kept);

        // Gather the lookup columns from the answers' one-row batches (slot per distinct batch).
        var slotOf = new Dictionary<Batch, int>(ReferenceEqualityComparer.Instance);
        var sources = new List<Batch>();
        var slots = new int[kept.Length];
        var rows = new int[kept.Length];
        for (var i = 0; i < kept.Length; i++)
        {
            var answer = answers[kept[i]] ?? _nullRow;
            if (!slotOf.TryGetValue(answer, out var slot))
            {
                slot = sources.Count;
                slotOf[answer] = slot;
                sources.Add(answer);
            }
            slots[i] = slot;
        }
        for (var c = 0; c < _spec.Lookup.Count; c++)
        {
            columns[_spec.LeftFieldCount + c] = ColumnGather.Gather(_spec.Lookup[c].Type, s => sources[s], c, slots, rows);
        }
        var timestamps = batch.Columns[batch.Schema.TimestampIndex];
        columns[^1] = all ? timestamps : timestamps.Take(kept);
        output.Emit(new Batch(_spec.Output, columns, kept.Length));
    }

    public void Close() => _source.Close();
}
