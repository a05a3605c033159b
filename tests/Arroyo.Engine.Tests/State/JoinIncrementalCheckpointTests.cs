using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Operators;
using Arroyo.Engine.Tests.Operators.Models;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingJoin;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.State;

/// <summary>
/// The updating join's stored rows through the real checkpoint store: while no stored row is
/// removed a checkpoint adds only the batches that arrived since the last one (a chain); a
/// retraction makes that side's next checkpoint a full one. Every retained checkpoint must
/// restore, at any parallelism, to the rows a naive model holds.
/// </summary>
public sealed class JoinIncrementalCheckpointTests
{
    private const int NodeId = 1;
    private const int Keys = 40;
    private const string LeftTable = "updating_join_left";
    private const string RightTable = "updating_join_right";

    private static readonly Schema Left = Updating(new Field("k", DataType.Int64), new Field("name", DataType.Utf8));
    private static readonly Schema Right = Updating(new Field("k", DataType.Int64), new Field("v", DataType.Int64));
    private static readonly Schema Output = Updating([.. Left.Fields.Take(2), new Field("k2", DataType.Int64), Right.Fields[1]]);

    /// <summary>The fields, then _is_retract and _timestamp.</summary>
    private static Schema Updating(params Field[] fields) =>
        new([.. fields, new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly UpdatingJoinSpec Spec = new(JoinKind.Inner, Left, Right, [0], [0], TimeSpan.FromDays(3650), Output);

    private sealed class Run(CheckpointStore checkpoints, int parallelism, UpdatingJoinSpec? spec = null)
    {
        public CheckpointStore Checkpoints => checkpoints;

        private readonly UpdatingJoinOperator[] _operators = Enumerable.Range(0, parallelism).Select(p =>
        {
            var op = new UpdatingJoinOperator(spec ?? Spec);
            op.Open(Context(p, parallelism, checkpoints.CreateReader(NodeId, p, parallelism)));
            return op;
        }).ToArray();

        /// <summary>Feeds <paramref name="rows"/> to their subtasks; the joined rows, formatted and sorted.</summary>
        public List<string> Feed(int side, object?[][] rows)
        {
            var output = new CollectingOutput();
            var parts = Shuffle(Of(side == 0 ? Left : Right, rows), [0], _operators.Length);
            for (var p = 0; p < _operators.Length; p++) _operators[p].OnBatch(parts[p], side, output);
            return output.RowStrings();
        }

        /// <summary>Advances every subtask's watermark to <paramref name="time"/> and ticks (TTL expiry).</summary>
        public void Expire(long time)
        {
            foreach (var op in _operators)
            {
                op.OnWatermark(new Watermark(time, false), new CollectingOutput());
                op.OnTick(time, new CollectingOutput());
            }
        }

        public async Task<CheckpointManifest> CheckpointAsync(IObjectStore store, long epoch)
        {
            var files = new List<ManifestFile>();
            for (var p = 0; p < _operators.Length; p++)
            {
                var writer = checkpoints.CreateWriter(epoch, NodeId, p);
                _operators[p].OnCheckpoint(new CheckpointBarrier(epoch, false), writer, new CollectingOutput());
                files.AddRange(await checkpoints.FinishWriterAsync(writer));
            }
            await checkpoints.WriteManifestAsync(new CheckpointManifest { Epoch = epoch, Files = [.. files.OrderBy(f => f.Key, StringComparer.Ordinal)] });
            return CheckpointManifest.Deserialize((await store.GetAsync(StatePaths.Manifest(epoch)))!);
        }
    }

    private static async Task<Run> OpenAsync(IObjectStore store, int parallelism, UpdatingJoinSpec? spec = null)
    {
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions("SELECT 1", "p", parallelism, false, new Arroyo.Tests.Shared.ListLogger()));
        await lease.DisposeAsync();
        return new Run(checkpoints, parallelism, spec);
    }

    private static List<string> Sorted(IEnumerable<object?[]> rows) =>
        rows.Select(CollectingOutput.Format).OrderBy(s => s, StringComparer.Ordinal).ToList();

    /// <summary>New rows of one side (a NULL key now and then: joined with nothing, never stored).</summary>
    private static object?[][] Inserts(int side, Random random, int count, long time) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            object? key = random.Next(15) == 0 ? null : (long)random.Next(Keys);
            return side == 0
                ? new object?[] { key, "n" + random.Next(1000), false, time }
                : new object?[] { key, (long)random.Next(1000), false, time };
        }).ToArray();

    /// <summary>Whether every one of <paramref name="subtasks"/> subtasks built <paramref name="table"/> on files of an earlier epoch.</summary>
    private static bool Carries(CheckpointManifest manifest, string table, int subtasks = 2) =>
        CarryingSubtasks(manifest, table) == subtasks;

    private static int CarryingSubtasks(CheckpointManifest manifest, string table) =>
        manifest.Files.Where(f => f.Tables is not null && f.Tables.Contains(table))
            .Select(f => f.Key.Split("/subtask-")[1].Split('.')[0]).Distinct().Count();

    private static void Probe(Run run, UpdatingJoinModel model)
    {
        var right = Enumerable.Range(0, Keys).Select(k => new object?[] { (long)k, -1L, false, 0L }).ToArray();
        var left = Enumerable.Range(0, Keys).Select(k => new object?[] { (long)k, "probe", false, 0L }).ToArray();
        Assert.Equal(Sorted(model.OnRows(1, right)), run.Feed(1, right));
        Assert.Equal(Sorted(model.OnRows(0, left)), run.Feed(0, left));
    }

    [Fact]
    public async Task Checkpoints_add_new_batches_until_a_row_is_removed_and_every_one_restores_at_any_parallelism()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 2);
        var model = new UpdatingJoinModel(0, Spec.Ttl);
        var random = new Random(2015);
        var expected = new Dictionary<long, UpdatingJoinModel>();
        var manifests = new Dictionary<long, CheckpointManifest>();
        for (long epoch = 1; epoch <= 8; epoch++)
        {
            for (var side = 0; side < 2; side++)
            {
                var rows = Inserts(side, random, epoch == 1 ? 400 : 10, epoch);
                Assert.Equal(Sorted(model.OnRows(side, rows)), run.Feed(side, rows));
            }
            // A left row written at checkpoint 4 and retracted after it: the left side's
            // checkpoint 5 cannot add to 4's, it is written whole.
            object?[]? change = epoch == 4 ? [3L, "gone", false, epoch] : epoch == 5 ? [3L, "gone", true, epoch] : null;
            if (change is not null) Assert.Equal(Sorted(model.OnRows(0, [change])), run.Feed(0, [change]));
            manifests[epoch] = await run.CheckpointAsync(store, epoch);
            expected[epoch] = model.Restored();
        }

        Assert.Equal(0, CarryingSubtasks(manifests[1], LeftTable) + CarryingSubtasks(manifests[1], RightTable));
        foreach (var epoch in new long[] { 2, 3, 4, 6, 7, 8 })
        {
            Assert.True(Carries(manifests[epoch], LeftTable) && Carries(manifests[epoch], RightTable), $"epoch {epoch} should build on the one before");
        }
        // Only the subtask that held the retracted row wrote its left table whole.
        Assert.Equal(1, CarryingSubtasks(manifests[5], LeftTable));
        Assert.True(Carries(manifests[5], RightTable));
        var fullBytes = manifests[1].Files.Sum(f => f.Size);
        var deltaBytes = manifests[3].Files.Where(f => f.Tables is null).Sum(f => f.Size);
        Assert.True(deltaBytes * 5 < fullBytes, $"delta {deltaBytes} B, full {fullBytes} B");

        await IncrementalCheckpointTests.WaitForCleanupAsync(store, manifests);
        foreach (var epoch in new long[] { 8, 7, 6 })
        {
            foreach (var parallelism in new[] { 2, 3, 1 })
            {
                var restored = await OpenAsync(store, parallelism);
                Assert.Equal(epoch, restored.Checkpoints.RestoredEpoch);
                Probe(restored, expected[epoch].Restored());
            }
            await store.DeleteAsync(StatePaths.Manifest(epoch));
        }
    }

    [Fact]
    public async Task Rows_expired_by_the_ttl_make_the_next_checkpoint_a_full_one()
    {
        var spec = Spec with { Ttl = TimeSpan.FromSeconds(20) };
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 2, spec);
        var model = new UpdatingJoinModel(0, spec.Ttl);
        var random = new Random(20);
        var manifests = new Dictionary<long, CheckpointManifest>();
        for (long epoch = 1; epoch <= 3; epoch++)
        {
            for (var side = 0; side < 2; side++)
            {
                var rows = Inserts(side, random, 60, epoch * 15 * Second);
                Assert.Equal(Sorted(model.OnRows(side, rows)), run.Feed(side, rows));
            }
            if (epoch == 3)
            {
                // Epoch 1's rows (15 s) fall behind 40 s − 20 s: removed, so no side can add to checkpoint 2.
                run.Expire(40 * Second);
                model.OnWatermark(40 * Second);
                model.OnTick();
            }
            manifests[epoch] = await run.CheckpointAsync(store, epoch);
        }
        Assert.True(Carries(manifests[2], LeftTable) && Carries(manifests[2], RightTable));
        Assert.Equal(0, CarryingSubtasks(manifests[3], LeftTable) + CarryingSubtasks(manifests[3], RightTable));
        foreach (var parallelism in new[] { 1, 3 })
        {
            Probe(await OpenAsync(store, parallelism, spec), model.Restored());
        }
    }
}
