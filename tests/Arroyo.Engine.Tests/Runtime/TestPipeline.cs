using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow;
using Arroyo.Execution;
using Arroyo.Runtime;

namespace Arroyo.Engine.Tests.Runtime;

/// <summary>
/// A tiny pipeline for runtime tests: each source subtask emits the numbers 0..Count-1 in
/// batches of 10 with key = n % 7; a shuffle by key feeds a keyed-sum operator whose state
/// (sum per key) is checkpointed. The final per-key sums are exactly known. Sources can be held
/// at a row count until the test opens the gate, so checkpoints land mid-input by design, not by
/// timing; the sum pre-commits (epoch, subtask) at each barrier and logs every commit it gets.
/// </summary>
internal static class TestPipeline
{
    public static readonly Schema Schema = Arroyo.Core.Types.Schema.WithTimestamp([new Field("n", DataType.Int64), new Field("key", DataType.Int64)]);

    /// <summary>One OnCommit a sum subtask received: who got it, and the pre-commit data by subtask.</summary>
    public sealed record CommitSeen(int Receiver, long Epoch, bool IsReplay, IReadOnlyDictionary<int, byte[]> Data, bool ManifestExisted, bool BeforeAnyBatch);

    public sealed class Results
    {
        private readonly object _lock = new();
        private readonly Dictionary<long, long> _sums = new();
        private readonly List<CommitSeen> _commits = [];
        private readonly ManualResetEventSlim _gate = new(true);
        private int _sourcesHeld;

        /// <summary>Sources emit this many rows, then wait for <see cref="OpenGate"/> (null: no hold).</summary>
        public long? HoldAt { get; set; }

        /// <summary>Asked at each commit: is the manifest of this epoch durable?</summary>
        public Func<long, bool> ManifestExists { get; set; } = _ => true;

        /// <summary>
        /// The (non-replayed) commit of this epoch throws once, as if the process died between
        /// manifest and commit. By epoch, not "the next commit": a subtask still finishing the
        /// previous epoch's commit (already recorded, so the test went on) must not take it.
        /// </summary>
        public long? FailCommitOf { get; set; }

        public void CloseGate() => _gate.Reset();

        public void OpenGate() => _gate.Set();

        public bool Held(long next) => HoldAt is { } hold && next >= hold && !_gate.IsSet;

        /// <summary>A source reached <see cref="HoldAt"/> and waits at the gate.</summary>
        public void ReachedHold()
        {
            lock (_lock)
            {
                _sourcesHeld++;
                Monitor.PulseAll(_lock);
            }
        }

        /// <summary>Waits (up to a minute) until <paramref name="sources"/> source subtasks wait at the gate.</summary>
        public void WaitUntilHeld(int sources)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            lock (_lock)
            {
                while (_sourcesHeld < sources)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) throw new TimeoutException($"{_sourcesHeld} of {sources} sources reached the hold");
                    Monitor.Wait(_lock, left);
                }
            }
        }

        public void Committed(CommitSeen commit)
        {
            lock (_lock)
            {
                _commits.Add(commit);
                Monitor.PulseAll(_lock);
            }
        }

        public List<CommitSeen> Commits()
        {
            lock (_lock) return [.. _commits];
        }

        /// <summary>Waits (up to a minute) until <paramref name="count"/> commits of <paramref name="epoch"/> arrived.</summary>
        public List<CommitSeen> WaitForCommits(long epoch, int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            lock (_lock)
            {
                while (_commits.Count(c => c.Epoch == epoch) < count)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) throw new TimeoutException($"{_commits.Count(c => c.Epoch == epoch)} of {count} commits of epoch {epoch} arrived");
                    Monitor.Wait(_lock, left);
                }
                return _commits.Where(c => c.Epoch == epoch).ToList();
            }
        }

        public void Set(long key, long sum)
        {
            lock (_lock) _sums[key] = sum;
        }

        public Dictionary<long, long> Snapshot()
        {
            lock (_lock) return new Dictionary<long, long>(_sums);
        }
    }

    public sealed record SourceSpec(long Count, Results Results) : OperatorSpec
    {
        public override Schema OutputSchema => Schema;

        public override string Describe() => "numbers";

        public override bool IsSource => true;
    }

    public sealed record SumSpec(Results Results) : OperatorSpec
    {
        public override Schema OutputSchema => Schema;

        public override string Describe() => "keyed sum";
    }

    public static DataflowGraph Graph(long count, int sourceParallelism, int sumParallelism, Results results) => new(
        [new DataflowNode(1, new SourceSpec(count, results), sourceParallelism), new DataflowNode(2, new SumSpec(results), sumParallelism)],
        [new DataflowEdge(1, 2, EdgeKind.Shuffle, 0, [1])]);

    public static OperatorRegistry Registry()
    {
        var registry = new OperatorRegistry();
        registry.RegisterSource<SourceSpec>((spec, context) => new NumberSource(spec.Count, spec.Results, context));
        registry.Register<SumSpec>((spec, context) => new KeyedSum(spec.Results, context.SubtaskIndex));
        return registry;
    }

    /// <summary>Runs <paramref name="graph"/> to its end over a fresh in-memory state dir.</summary>
    public static void RunInMemory(DataflowGraph graph, OperatorRegistry registry, RunSettings settings)
    {
        var (checkpoints, lease) = Arroyo.State.Checkpoints.StateDirectory.OpenAsync(new Arroyo.Storage.InMemoryObjectStore(),
            new Arroyo.State.Checkpoints.StateDirectory.OpenOptions("q", "test", 1, false, settings.Logger)).GetAwaiter().GetResult();
        try
        {
            new Arroyo.Runtime.Engine(graph, registry, checkpoints, settings).Run(CancellationToken.None);
        }
        finally
        {
            lease.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The sums an uninterrupted run of <paramref name="sources"/> subtasks produces.</summary>
    public static Dictionary<long, long> Expected(long count, int sources)
    {
        var sums = new Dictionary<long, long>();
        for (var s = 0; s < sources; s++)
        {
            for (long n = 0; n < count; n++) sums[n % 7] = sums.GetValueOrDefault(n % 7) + n;
        }
        return sums;
    }

    private static readonly Schema s_positionSchema = new([new Field(StateColumns.KeyHashColumn, DataType.UInt64), new Field("split", DataType.Int64), new Field("next", DataType.Int64)]);
    private static readonly Schema s_sumSchema = new([new Field(StateColumns.KeyHashColumn, DataType.UInt64), new Field("key", DataType.Int64), new Field("sum", DataType.Int64)]);

    private sealed class NumberSource(long count, Results results, OperatorContext context) : ISource
    {
        private long _next;
        private bool _held;

        public void Open(OperatorContext ctx)
        {
            // Splits are numbered by subtask; restore picks this subtask's own split.
            foreach (var batch in ctx.State.ReadTable("positions", allRows: true))
            {
                var splits = (PrimitiveColumn<long>)batch.Columns[1];
                var next = (PrimitiveColumn<long>)batch.Columns[2];
                for (var i = 0; i < batch.RowCount; i++)
                {
                    if (splits.Values[i] == ctx.SubtaskIndex) _next = next.Values[i];
                }
            }
        }

        public SourceStatus Poll(IOutput output)
        {
            if (_next >= count) return SourceStatus.Finished;
            if (results.Held(_next))
            {
                if (!_held) results.ReachedHold();
                _held = true;
                return SourceStatus.Idle;
            }
            var rows = (int)Math.Min(10, count - _next);
            var n = new long[rows];
            var key = new long[rows];
            var ts = new long[rows];
            for (var i = 0; i < rows; i++)
            {
                n[i] = _next++;
                key[i] = n[i] % 7;
                ts[i] = n[i];
            }
            output.Emit(new Batch(Schema, [new PrimitiveColumn<long>(DataType.Int64, n), new PrimitiveColumn<long>(DataType.Int64, key), new PrimitiveColumn<long>(DataType.Timestamp, ts)], rows));
            return SourceStatus.Continue;
        }

        public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state) =>
            state.WriteTable("positions", new Batch(s_positionSchema, [
                new PrimitiveColumn<ulong>(DataType.UInt64, [(ulong)context.SubtaskIndex]),
                new PrimitiveColumn<long>(DataType.Int64, [context.SubtaskIndex]),
                new PrimitiveColumn<long>(DataType.Int64, [_next])], 1));
    }

    private sealed class KeyedSum(Results results, int subtask) : IOperator
    {
        private readonly Dictionary<long, long> _sums = new();
        private bool _sawBatch;

        public static byte[] PreCommitted(long epoch, int subtask) => [(byte)epoch, (byte)subtask];

        public byte[]? PreCommit(CheckpointBarrier barrier) => PreCommitted(barrier.Epoch, subtask);

        public void OnCommit(long epoch, CommitData data)
        {
            results.Committed(new CommitSeen(subtask, epoch, data.IsReplay, data.BySubtask, results.ManifestExists(epoch), !_sawBatch));
            if (data.IsReplay || results.FailCommitOf != epoch) return;
            results.FailCommitOf = null;
            throw new IOException($"commit {epoch} failed");
        }

        public void Open(OperatorContext context)
        {
            foreach (var batch in context.State.ReadTable("sums"))
            {
                var keys = (PrimitiveColumn<long>)batch.Columns[1];
                var sums = (PrimitiveColumn<long>)batch.Columns[2];
                for (var i = 0; i < batch.RowCount; i++) _sums[keys.Values[i]] = sums.Values[i];
            }
            foreach (var (key, sum) in _sums) results.Set(key, sum);
        }

        public void OnBatch(Batch batch, int input, IOutput output)
        {
            _sawBatch = true;
            var n = (PrimitiveColumn<long>)batch.Columns[0];
            var keys = (PrimitiveColumn<long>)batch.Columns[1];
            for (var i = 0; i < batch.RowCount; i++) _sums[keys.Values[i]] = _sums.GetValueOrDefault(keys.Values[i]) + n.Values[i];
            foreach (var (key, sum) in _sums) results.Set(key, sum);
        }

        public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
        {
            if (_sums.Count == 0) return;
            var keys = _sums.Keys.ToArray();
            var keyColumn = new PrimitiveColumn<long>(DataType.Int64, keys);
            var hashes = new ulong[keys.Length];
            // Hash exactly like the shuffle does (key column alone), so restored keys land where their data goes.
            KeyHasher.HashRows(new Batch(new Schema([new Field("key", DataType.Int64)]), [keyColumn], keys.Length), [0], hashes);
            state.WriteTable("sums", new Batch(s_sumSchema, [
                new PrimitiveColumn<ulong>(DataType.UInt64, hashes), keyColumn,
                new PrimitiveColumn<long>(DataType.Int64, keys.Select(k => _sums[k]).ToArray())], keys.Length));
        }
    }
}
