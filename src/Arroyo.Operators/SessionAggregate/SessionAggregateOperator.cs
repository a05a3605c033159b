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

    public SessionAggregateOperator(SessionAggregateSpec spec, FunctionLibrary functions)
    {
        _spec = spec;
        _aggregateRegistry = functions.Aggregates;
        _keys = spec.KeyColumns.ToArray();
        _codec = new KeyCodec(_keys);
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
        foreach (var r in Enumerable.Range(0, batch.RowCount).OrderBy(r => timestamps[r]))
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
        closed.Sort((a, b) => a.Session.Start.CompareTo(b.Session.Start));

        // All closed sessions' rows in one batch; group id = index of the session.
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
        var aggregates = new AggregateSet(_spec.Aggregates, _spec.Input, _aggregateRegistry, retracting: false);
        aggregates.EnsureCapacity(closed.Count);
        for (var s = 0; s < closed.Count; s++) aggregates.Clear(s);
        aggregates.Update(rows, groupIds.ToArray(), default);

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
