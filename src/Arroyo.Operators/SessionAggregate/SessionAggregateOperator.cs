using Arroyo.Expressions.Aggregates;
using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.SessionAggregate;

/// <summary>
/// Runs a <see cref="SessionAggregateSpec"/>: per key, open sessions keep their rows (sessions can
/// merge, so partial aggregates would need merging); a session closes when the watermark reaches
/// last row + gap and is aggregated then. State table <c>session_rows</c>: _key_hash, then the buffered rows.
/// </summary>
public sealed class SessionAggregateOperator : EventTimeOperator
{
    public const string TableName = "session_rows";

    private sealed class Session
    {
        public long Start;
        public long Last;
        public List<(Batch Batch, int Row)> Rows = [];
    }

    private readonly SessionAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    private readonly List<List<Session>?> _sessions = [];
    private long _lateRows;
    private OperatorContext? _context;
    private readonly AggregateRegistry _aggregateRegistry;
    // Every call's result is the same whatever order its rows are added in (see AggregateInPlace).
    private readonly bool _orderInsensitive;

    public SessionAggregateOperator(SessionAggregateSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _aggregateRegistry = functions.Aggregates;
        _keys = spec.KeyColumns.ToArray();
        _codec = new KeyCodec(_keys);
        _orderInsensitive = spec.Aggregates.All(c => SlidingAggregate.BinnedSlidingAggregator.CanCombine(c, spec.Input));
    }

    public override void Open(OperatorContext context)
    {
        _context = context;
        foreach (var stored in context.State.ReadTable(TableName)) Insert(StateBatches.WithoutKeyHash(stored, _spec.Input), checkLate: false);
    }

    public override void OnBatch(Batch batch, int input, IOutput output) => Insert(batch, checkLate: true);

    private void Insert(Batch batch, bool checkLate)
    {
        var hashes = StateBatches.Hashes(batch, _keys);
        var timestamps = batch.Timestamps.Values;
        var gap = _spec.GapNanos;
        foreach (var r in TimeOrder(timestamps, batch.RowCount))
        {
            var t = timestamps[r];
            if (checkLate && t < CurrentWatermark)
            {
                _lateRows++;
                continue;
            }
            var g = _groups.FindOrAdd(hashes[r], _codec.Encode(batch.Columns, r), out _);
            while (_sessions.Count <= g) _sessions.Add(null);
            var sessions = _sessions[g] ??= [];
            Session? target = null;
            for (var i = 0; i < sessions.Count; i++)
            {
                var s = sessions[i];
                if (t >= s.Last + gap || t <= s.Start - gap) continue;
                if (target is null)
                {
                    target = s;
                    continue;
                }
                // The row bridges two sessions: merge them.
                target.Start = Math.Min(target.Start, s.Start);
                target.Last = Math.Max(target.Last, s.Last);
                target.Rows.AddRange(s.Rows);
                sessions.RemoveAt(i--);
            }
            if (target is null)
            {
                target = new Session { Start = t, Last = t };
                sessions.Add(target);
            }
            target.Start = Math.Min(target.Start, t);
            target.Last = Math.Max(target.Last, t);
            target.Rows.Add((batch, r));
        }
    }

    /// <summary>Row indices by timestamp, ties in row order (as a stable sort); input usually comes in time order already.</summary>
    private static int[] TimeOrder(ReadOnlySpan<long> timestamps, int rows)
    {
        for (var r = 1; r < rows; r++)
        {
            if (timestamps[r] < timestamps[r - 1]) return StableOrder(timestamps[..rows].ToArray());
        }
        return Enumerable.Range(0, rows).ToArray();
    }

    /// <summary>Indices of <paramref name="keys"/> ordered by key, ties in index order (as a stable sort); sorts <paramref name="keys"/> in place.</summary>
    private static int[] StableOrder(long[] keys)
    {
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(keys, order);
        // Array.Sort is unstable on equal keys: put each run of ties back in index order.
        for (var i = 0; i < keys.Length;)
        {
            var j = i + 1;
            while (j < keys.Length && keys[j] == keys[i]) j++;
            if (j - i > 1) Array.Sort(order, i, j - i);
            i = j;
        }
        return order;
    }

    protected override void EmitReady(IOutput output)
    {
        var closed = new List<(int Group, Session Session)>();
        foreach (var g in _groups.Groups().ToList())
        {
            var sessions = _sessions[g]!;
            for (var i = 0; i < sessions.Count; i++)
            {
                if (sessions[i].Last + _spec.GapNanos > CurrentWatermark) continue;
                closed.Add((g, sessions[i]));
                sessions.RemoveAt(i--);
            }
        }
        if (closed.Count == 0) return;
        closed = SortByStart(closed);
        var aggregates = new AggregateSet(_spec.Aggregates, _spec.Input, _aggregateRegistry, retracting: false);
        aggregates.EnsureCapacity(closed.Count);
        for (var s = 0; s < closed.Count; s++) aggregates.Clear(s);
        if (_orderInsensitive) AggregateInPlace(closed, aggregates);
        else AggregateCopies(closed, aggregates);

        var builders = _spec.Output.Fields.Select(f => ColumnBuilder.Create(f.Type, closed.Count)).ToArray();
        var keyBuilders = new ColumnBuilder[_keys.Length];
        for (var i = 0; i < _keys.Length; i++) keyBuilders[i] = builders[_spec.WindowOutputIndex is { } w && i >= w ? i + 1 : i];
        var aggregateOffset = _keys.Length + (_spec.WindowOutputIndex.HasValue ? 1 : 0);
        for (var s = 0; s < closed.Count; s++)
        {
            var (g, session) = closed[s];
            var end = session.Last + _spec.GapNanos;
            KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
            if (_spec.WindowOutputIndex is { } wi)
            {
                var window = (StructColumnBuilder)builders[wi];
                ((PrimitiveColumnBuilder<long>)window.Children[0]).Append(session.Start);
                ((PrimitiveColumnBuilder<long>)window.Children[1]).Append(end);
                window.EndRow();
            }
            aggregates.Evaluate(s, builders, aggregateOffset);
            ((PrimitiveColumnBuilder<long>)builders[^1]).Append(end - 1);
        }
        foreach (var g in closed.Select(c => c.Group).Distinct())
        {
            if (_sessions[g]!.Count > 0) continue;
            _sessions[g] = null;
            _groups.Remove(g);
        }
        output.Emit(new Batch(_spec.Output, builders.Select(b => b.Build()).ToArray(), closed.Count));
    }

    /// <summary>By session start; sessions starting together keep their order (as a stable sort).</summary>
    private static List<(int Group, Session Session)> SortByStart(List<(int Group, Session Session)> closed)
    {
        var starts = new long[closed.Count];
        for (var i = 0; i < starts.Length; i++) starts[i] = closed[i].Session.Start;
        var sorted = new List<(int Group, Session Session)>(closed.Count);
        foreach (var i in StableOrder(starts)) sorted.Add(closed[i]);
        return sorted;
    }

    /// <summary>
    /// Aggregates the sessions' rows where they are, one update per input batch they came in:
    /// only for calls whose result does not depend on the order rows are added in (count,
    /// integer sums, min/max), which the batch order would change.
    /// </summary>
    private static void AggregateInPlace(List<(int Group, Session Session)> closed, AggregateSet aggregates)
    {
        var groupsByBatch = new Dictionary<Batch, int[]>(ReferenceEqualityComparer.Instance);
        for (var s = 0; s < closed.Count; s++)
        {
            foreach (var (b, r) in closed[s].Session.Rows)
            {
                if (!groupsByBatch.TryGetValue(b, out var groups))
                {
                    groups = System.Buffers.ArrayPool<int>.Shared.Rent(b.RowCount);
                    groups.AsSpan(0, b.RowCount).Fill(-1);
                    groupsByBatch[b] = groups;
                }
                groups[r] = s;
            }
        }
        foreach (var (b, groups) in groupsByBatch)
        {
            aggregates.Update(b, groups.AsSpan(0, b.RowCount), default);
            System.Buffers.ArrayPool<int>.Shared.Return(groups);
        }
    }

    /// <summary>Copies every closed session's rows, session by session, into one batch and aggregates that (group id = the session's index).</summary>
    private void AggregateCopies(List<(int Group, Session Session)> closed, AggregateSet aggregates)
    {
        var inputBuilders = _spec.Input.Fields.Select(f => ColumnBuilder.Create(f.Type, 256)).ToArray();
        var groupIds = new List<int>();
        for (var s = 0; s < closed.Count; s++)
        {
            foreach (var (b, r) in closed[s].Session.Rows)
            {
                for (var c = 0; c < inputBuilders.Length; c++) inputBuilders[c].AppendFrom(b.Columns[c], r);
                groupIds.Add(s);
            }
        }
        var rows = new Batch(_spec.Input, inputBuilders.Select(b => b.Build()).ToArray(), groupIds.Count);
        aggregates.Update(rows, groupIds.ToArray(), default);
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
        var builders = _spec.Input.Fields.Select(f => ColumnBuilder.Create(f.Type, 256)).ToArray();
        var count = 0;
        foreach (var g in _groups.Groups())
        {
            foreach (var session in _sessions[g]!)
            {
                foreach (var (b, r) in session.Rows)
                {
                    for (var c = 0; c < builders.Length; c++) builders[c].AppendFrom(b.Columns[c], r);
                    count++;
                }
            }
        }
        if (count == 0) return;
        var batch = new Batch(_spec.Input, builders.Select(b => b.Build()).ToArray(), count);
        state.WriteTable(TableName, StateBatches.WithKeyHash(batch, _keys));
    }
}
