using Arroyo.Expressions.Aggregates;
using Arroyo.Expressions;
using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Grouping;
using Arroyo.Operators.SlidingAggregate;
using Arroyo.Core.Types;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.SessionAggregate;

/// <summary>
/// Runs a <see cref="SessionAggregateSpec"/>; a session closes when the watermark reaches its
/// last row + gap. Two ways to keep an open session:
/// <list type="bullet">
/// <item><b>Partials</b>, when every call combines exactly from partial results (count, integer
/// sums, min/max: <see cref="PartialAggregateSpec.Merges"/>): rows are aggregated as they
/// arrive into the session's partial accumulators (a "fragment"), and nothing of the row is kept.
/// Sessions that a row bridges merge by keeping both fragments; a closing session's fragments are
/// combined as a hopping window's bins are (<see cref="WindowCombiner"/>). State table
/// <c>session_partials</c>: _key_hash, the key, the session's start and last row time, and the
/// fragment's partial states, one row per fragment.</item>
/// <item><b>Rows</b>, for every other call (avg, float sums, ordered or distinct calls…, whose
/// result depends on the order values are added in): the session keeps references to its rows
/// and aggregates them, in time order, when it closes. State table <c>session_rows</c>:
/// _key_hash, then the buffered rows.</item>
/// </list>
/// Either kind of table restores into either way (a row table written before partials existed
/// is re-aggregated as it is read).
/// <para>Keys: one 64-bit column (a user or bidder id, the common case) or none are found by value
/// (<see cref="LongKeyTable"/>); others by their encoded bytes (<see cref="GroupTable"/>). Both hand
/// out ids the same way and give the same key hash, so the state tables are the same either way.</para>
/// <para>A watermark closes nothing before the earliest session end it has seen
/// (<c>_earliestEnd</c>), so most watermarks cost no pass over the groups.</para>
/// </summary>
public sealed class SessionAggregateOperator : EventTimeOperator
{
    public const string TableName = "session_rows";
    public const string PartialsTableName = "session_partials";

    private sealed class Session
    {
        public long Start;
        public long Last;
        // Partials: the fragment rows are aggregated into, and those of sessions merged into this one.
        public int Fragment = -1;
        public List<int>? MergedFragments;
        // Rows: the rows themselves.
        public List<(Batch Batch, int Row)>? Rows;
    }

    private readonly SessionAggregateSpec _spec;
    private readonly int[] _keys;
    private readonly KeyCodec _codec;
    private readonly GroupTable _groups = new();
    // Set when the key is one 64-bit column or none: groups found by value (_groups stays empty).
    private readonly LongKeyTable? _fixed;
    private readonly List<List<Session>?> _sessions = [];
    // No open session ends (last row + gap) before this; it may be lower than the true minimum
    // (sessions only grow), so a watermark below it closes nothing and one past it looks.
    private long _earliestEnd = long.MaxValue;
    private long _lateRows;
    private OperatorContext? _context;
    private readonly AggregateRegistry _aggregateRegistry;
    // Every call combines exactly from partials: sessions keep partial aggregates, not rows.
    private readonly bool _usePartials;
    private readonly AggregateSet? _partials;
    private readonly WindowCombiner? _combiner;
    private readonly Stack<int> _freeFragments = new();
    private int _fragmentCount;

    public SessionAggregateOperator(SessionAggregateSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _aggregateRegistry = functions.Aggregates;
        _keys = spec.KeyColumns.ToArray();
        _codec = new KeyCodec(_keys);
        _fixed = LongKeyTable.For(_keys, spec.Input);
        _usePartials = spec.Aggregates.All(c => PartialAggregateSpec.Merges(c, spec.Input));
        if (_usePartials)
        {
            _partials = new AggregateSet(spec.Aggregates, spec.Input, _aggregateRegistry, retracting: false);
            _combiner = new WindowCombiner(_partials, spec.Aggregates, _aggregateRegistry);
        }
    }

    public override void Open(OperatorContext context)
    {
        _context = context;
        foreach (var stored in context.State.ReadTable(TableName)) Insert(StateBatches.WithoutKeyHash(stored, _spec.Input), checkLate: false);
        var restored = false;
        foreach (var stored in context.State.ReadTable(PartialsTableName))
        {
            if (!_usePartials)
            {
                throw new InvalidOperationException($"the state has session partials ({PartialsTableName}), but this session window's aggregates are not all combinable; the query changed");
            }
            RestorePartials(stored);
            restored = true;
        }
        if (restored) SortSessionsByStart();
    }

    public override void OnBatch(Batch batch, int input, IOutput output) => Insert(batch, checkLate: true);

    private void Insert(Batch batch, bool checkLate)
    {
        var rows = batch.RowCount;
        if (rows == 0) return;
        // By value: the key column itself; by bytes: the rows' key hashes.
        var keyColumn = _fixed?.KeyColumnOf(batch);
        var hashes = _fixed is null ? StateBatches.Hashes(batch, _keys) : null;
        var timestamps = batch.Timestamps.Values;
        // Partials: the fragment each row is aggregated into (−1: late, skipped).
        int[]? fragments = null;
        if (_usePartials)
        {
            fragments = System.Buffers.ArrayPool<int>.Shared.Rent(rows);
            fragments.AsSpan(0, rows).Fill(-1);
        }
        try
        {
            // Kept rows are aggregated in time order when the session closes, so they are added in
            // time order. Partials need no order: a key's sessions are the runs of its rows closer
            // than the gap whatever order the rows come in (a row that bridges two merges them), and
            // the calls give the same result for any order of their rows.
            var order = fragments is null ? TimeOrder(timestamps, rows) : null;
            for (var i = 0; i < rows; i++)
            {
                var r = order is null ? i : order[i];
                var t = timestamps[r];
                if (checkLate && t < CurrentWatermark)
                {
                    _lateRows++;
                    continue;
                }
                var g = _fixed is null ? _groups.FindOrAdd(hashes![r], _codec.Encode(batch.Columns, r), out _) : FixedGroupOf(keyColumn, r);
                var target = SessionFor(g, t);
                if (fragments is not null) fragments[r] = target.Fragment;
                else target.Rows!.Add((batch, r));
            }
            if (fragments is not null) _partials!.Update(batch, fragments.AsSpan(0, rows), default);
        }
        finally
        {
            if (fragments is not null) System.Buffers.ArrayPool<int>.Shared.Return(fragments);
        }
    }

    /// <summary>
    /// The session of group <paramref name="g"/> that a row at <paramref name="t"/> belongs to,
    /// extended to cover it: an open session within the gap of it (merging any others the row
    /// bridges), or a new one.
    /// </summary>
    private Session SessionFor(int g, long t)
    {
        var gap = _spec.GapNanos;
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
            Absorb(target, s);
            sessions.RemoveAt(i--);
        }
        if (target is null)
        {
            target = NewSession(t, t);
            sessions.Add(target);
        }
        target.Start = Math.Min(target.Start, t);
        target.Last = Math.Max(target.Last, t);
        _earliestEnd = Math.Min(_earliestEnd, SaturatingEnd(target.Last));
        return target;
    }

    private Session NewSession(long start, long last)
    {
        var session = new Session { Start = start, Last = last };
        if (_usePartials) session.Fragment = NewFragment();
        else session.Rows = [];
        return session;
    }

    /// <summary>Moves what <paramref name="merged"/> holds (its fragments or its rows) into <paramref name="target"/>.</summary>
    private static void Absorb(Session target, Session merged)
    {
        if (merged.Rows is not null)
        {
            target.Rows!.AddRange(merged.Rows);
            return;
        }
        target.MergedFragments ??= [];
        target.MergedFragments.Add(merged.Fragment);
        if (merged.MergedFragments is not null) target.MergedFragments.AddRange(merged.MergedFragments);
    }

    private int NewFragment()
    {
        var fragment = _freeFragments.Count > 0 ? _freeFragments.Pop() : _fragmentCount++;
        _partials!.EnsureCapacity(fragment + 1);
        _partials.Clear(fragment);
        return fragment;
    }

    private void FreeFragments(Session session)
    {
        _partials!.Clear(session.Fragment);
        _freeFragments.Push(session.Fragment);
        foreach (var f in session.MergedFragments ?? [])
        {
            _partials.Clear(f);
            _freeFragments.Push(f);
        }
    }

    /// <summary>
    /// Rows of a <c>session_partials</c> table: each is one fragment of a session, which is
    /// known by its key and start (a key's open sessions never overlap), so the fragments of a
    /// merged session come together again whatever order the rows are read in.
    /// </summary>
    private void RestorePartials(Batch stored)
    {
        var keyCount = _keys.Length;
        var restoreCodec = new KeyCodec(Enumerable.Range(1, keyCount).ToArray());
        var keyColumn = _fixed is { HasKey: true } ? (PrimitiveColumn<long>)stored.Columns[1] : null;
        var hashes = ((PrimitiveColumn<ulong>)stored.Columns[0]).Values;
        var starts = ((PrimitiveColumn<long>)stored.Columns[1 + keyCount]).Values;
        var lasts = ((PrimitiveColumn<long>)stored.Columns[2 + keyCount]).Values;
        for (var r = 0; r < stored.RowCount; r++)
        {
            var g = _fixed is null ? _groups.FindOrAdd(hashes[r], restoreCodec.Encode(stored.Columns, r), out _) : FixedGroupOf(keyColumn, r);
            while (_sessions.Count <= g) _sessions.Add(null);
            var sessions = _sessions[g] ??= [];
            var session = sessions.Find(s => s.Start == starts[r]);
            _earliestEnd = Math.Min(_earliestEnd, SaturatingEnd(lasts[r]));
            var fragment = NewFragment();
            if (session is null)
            {
                session = new Session { Start = starts[r], Last = lasts[r], Fragment = fragment };
                sessions.Add(session);
            }
            else
            {
                session.Last = Math.Max(session.Last, lasts[r]);
                (session.MergedFragments ??= []).Add(fragment);
            }
            for (var a = 0; a < _partials!.Count; a++)
            {
                _partials.Deserialize(fragment, a, ((StringColumn)stored.Columns[3 + keyCount + a]).GetBytes(r));
            }
        }
    }

    /// <summary>Each key's sessions in start order, as rows arriving in time order would have made them.</summary>
    private void SortSessionsByStart()
    {
        foreach (var sessions in _sessions)
        {
            sessions?.Sort((a, b) => a.Start.CompareTo(b.Start));
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
        if (CurrentWatermark < _earliestEnd) return;
        var closed = new List<(int Group, Session Session)>();
        var earliestOpen = long.MaxValue;
        foreach (var g in Groups().ToList())
        {
            var sessions = _sessions[g]!;
            for (var i = 0; i < sessions.Count; i++)
            {
                var end = SaturatingEnd(sessions[i].Last);
                if (end > CurrentWatermark)
                {
                    earliestOpen = Math.Min(earliestOpen, end);
                    continue;
                }
                closed.Add((g, sessions[i]));
                sessions.RemoveAt(i--);
            }
        }
        _earliestEnd = earliestOpen;
        if (closed.Count == 0) return;
        closed = SortByStart(closed);
        AggregateSet? aggregates = null;
        if (_usePartials)
        {
            // Session s is the combiner's key s; its order is s, so keys come out as sorted.
            _combiner!.Begin(closed.Count);
            for (var s = 0; s < closed.Count; s++)
            {
                var session = closed[s].Session;
                _combiner.Add(session.Fragment, s, s);
                foreach (var f in session.MergedFragments ?? []) _combiner.Add(f, s, s);
            }
            _combiner.Finish(closed.Count);
        }
        else
        {
            aggregates = new AggregateSet(_spec.Aggregates, _spec.Input, _aggregateRegistry, retracting: false);
            aggregates.EnsureCapacity(closed.Count);
            for (var s = 0; s < closed.Count; s++) aggregates.Clear(s);
            AggregateCopies(closed, aggregates);
        }

        var builders = _spec.Output.Fields.Select(f => ColumnBuilder.Create(f.Type, closed.Count)).ToArray();
        var keyBuilders = new ColumnBuilder[_keys.Length];
        for (var i = 0; i < _keys.Length; i++) keyBuilders[i] = builders[_spec.WindowOutputIndex is { } w && i >= w ? i + 1 : i];
        var aggregateOffset = _keys.Length + (_spec.WindowOutputIndex.HasValue ? 1 : 0);
        for (var s = 0; s < closed.Count; s++)
        {
            var (g, session) = closed[s];
            var end = session.Last + _spec.GapNanos;
            AppendKey(g, keyBuilders);
            if (_spec.WindowOutputIndex is { } wi)
            {
                var window = (StructColumnBuilder)builders[wi];
                ((PrimitiveColumnBuilder<long>)window.Children[0]).Append(session.Start);
                ((PrimitiveColumnBuilder<long>)window.Children[1]).Append(end);
                window.EndRow();
            }
            if (aggregates is not null) aggregates.Evaluate(s, builders, aggregateOffset);
            else _combiner!.AppendResults(s, builders, aggregateOffset);
            ((PrimitiveColumnBuilder<long>)builders[^1]).Append(end - 1);
        }
        if (_usePartials)
        {
            _combiner!.End();
            foreach (var (_, session) in closed) FreeFragments(session);
        }
        foreach (var g in closed.Select(c => c.Group).Distinct())
        {
            if (_sessions[g]!.Count > 0) continue;
            _sessions[g] = null;
            if (_fixed is null) _groups.Remove(g);
            else _fixed.Remove(g);
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

    /// <summary>Copies every closed session's rows, session by session, into one batch and aggregates that (group id = the session's index).</summary>
    private void AggregateCopies(List<(int Group, Session Session)> closed, AggregateSet aggregates)
    {
        var inputBuilders = _spec.Input.Fields.Select(f => ColumnBuilder.Create(f.Type, 256)).ToArray();
        var groupIds = new List<int>();
        for (var s = 0; s < closed.Count; s++)
        {
            foreach (var (b, r) in closed[s].Session.Rows!)
            {
                for (var c = 0; c < inputBuilders.Length; c++) inputBuilders[c].AppendFrom(b.Columns[c], r);
                groupIds.Add(s);
            }
        }
        var rows = new Batch(_spec.Input, inputBuilders.Select(b => b.Build()).ToArray(), groupIds.Count);
        aggregates.Update(rows, groupIds.ToArray(), default);
    }

    /// <summary>The group of row <paramref name="r"/> of a one-BIGINT key column (null: no key column, one group).</summary>
    private int FixedGroupOf(PrimitiveColumn<long>? keyColumn, int r) =>
        keyColumn is null ? _fixed!.FindOrAdd(0, 0, false, out _) : _fixed!.FindOrAdd(0, keyColumn.Values[r], keyColumn.IsNull(r), out _);

    private IEnumerable<int> Groups() => _fixed is null ? _groups.Groups() : _fixed.Groups();

    private void AppendKey(int g, ColumnBuilder[] keyBuilders)
    {
        if (_fixed is null) KeyCodec.Decode(_groups.KeyOf(g), keyBuilders);
        else _fixed.AppendKey(g, keyBuilders.Length > 0 ? keyBuilders[0] : null);
    }

    /// <summary>When a session whose last row is at <paramref name="last"/> ends (last + gap), at most <see cref="long.MaxValue"/>.</summary>
    private long SaturatingEnd(long last) => last > long.MaxValue - _spec.GapNanos ? long.MaxValue : last + _spec.GapNanos;

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_lateRows > 0) _context?.Log($"dropped {_lateRows} late rows so far");
        if (_usePartials) WritePartials(state);
        else WriteRows(state);
    }

    private void WritePartials(IStateWriter state)
    {
        var fields = new List<Field> { StateBatches.KeyHashField };
        fields.AddRange(StateBatches.KeyFields(_spec.Input, _keys));
        fields.Add(new Field("session_start", DataType.Timestamp, false));
        fields.Add(new Field("session_last", DataType.Timestamp, false));
        fields.AddRange(_partials!.Calls.Select((_, i) => new Field($"a{i}", DataType.Binary, false)));
        var chunks = new ChunkedBatchBuilder(new Schema(fields), batch => state.WriteTable(PartialsTableName, batch));
        var builders = chunks.Builders;
        var keyBuilders = builders[1..(1 + _keys.Length)];
        foreach (var g in Groups())
        {
            foreach (var session in _sessions[g]!)
            {
                WriteFragment(g, session, session.Fragment);
                foreach (var f in session.MergedFragments ?? []) WriteFragment(g, session, f);
            }
        }
        chunks.Flush();

        void WriteFragment(int g, Session session, int fragment)
        {
            ((PrimitiveColumnBuilder<ulong>)builders[0]).Append(_fixed is null ? _groups.HashOf(g) : _fixed.HashOf(g));
            AppendKey(g, keyBuilders);
            ((PrimitiveColumnBuilder<long>)builders[1 + _keys.Length]).Append(session.Start);
            ((PrimitiveColumnBuilder<long>)builders[2 + _keys.Length]).Append(session.Last);
            for (var a = 0; a < _partials.Count; a++)
            {
                ((StringColumnBuilder)builders[3 + _keys.Length + a]).Append(_partials.Serialize(fragment, a));
            }
            chunks.EndRow();
        }
    }

    private void WriteRows(IStateWriter state)
    {
        var builders = _spec.Input.Fields.Select(f => ColumnBuilder.Create(f.Type, 256)).ToArray();
        var count = 0;
        foreach (var g in Groups())
        {
            foreach (var session in _sessions[g]!)
            {
                foreach (var (b, r) in session.Rows!)
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
