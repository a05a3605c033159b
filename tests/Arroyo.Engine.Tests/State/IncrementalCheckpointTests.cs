using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Engine.Tests.Operators;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingAggregate;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.State;

/// <summary>
/// The updating aggregate's keyed state through the real checkpoint store: incremental chains
/// over several epochs, compaction, restore from every retained checkpoint and at other
/// parallelisms, checked against a model of what each key held at each checkpoint.
/// </summary>
public sealed class IncrementalCheckpointTests
{
    private const int NodeId = 1;
    private const int Keys = 300;

    private static readonly Schema Input = new([
        new Field("k", DataType.Utf8), new Field("v", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema Output = new([
        new Field("k", DataType.Utf8), new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    // count is checkpointed as a column, sum as a blob: both paths.
    private static readonly UpdatingAggregateSpec Spec = new(Input, [0],
        [TestFunctions.Aggregate(Input, "count", [], "cnt"), TestFunctions.Aggregate(Input, "sum", [1], "total")],
        Output, TimeSpan.FromDays(3650));

    /// <summary>The rows each key holds (its values), as the operator should.</summary>
    private sealed class Model
    {
        public Dictionary<string, List<long>> Values { get; } = [];

        public Dictionary<string, (long Count, long Sum)> Snapshot() =>
            Values.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => ((long)kv.Value.Count, kv.Value.Sum()));
    }

    /// <param name="readers">Wraps each subtask's state reader (null: the store's own).</param>
    private sealed class Run(IObjectStore store, CheckpointStore checkpoints, int parallelism, Func<IStateReader, IStateReader>? readers = null)
    {
        public CheckpointStore Checkpoints => checkpoints;

        public UpdatingAggregateOperator[] Operators { get; } = Enumerable.Range(0, parallelism).Select(p =>
        {
            var op = new UpdatingAggregateOperator(Spec, TestFunctions.Builtins);
            var reader = checkpoints.CreateReader(NodeId, p, parallelism);
            op.Open(Context(p, parallelism, readers is null ? reader : readers(reader)));
            return op;
        }).ToArray();

        public void Feed(Batch batch)
        {
            var parts = Shuffle(batch, [0], Operators.Length);
            for (var p = 0; p < Operators.Length; p++) Operators[p].OnBatch(parts[p], 0, new CollectingOutput());
        }

        public async Task<CheckpointManifest> CheckpointAsync(long epoch)
        {
            var files = new List<ManifestFile>();
            for (var p = 0; p < Operators.Length; p++)
            {
                var writer = checkpoints.CreateWriter(epoch, NodeId, p);
                Operators[p].OnCheckpoint(new CheckpointBarrier(epoch, false), writer, new CollectingOutput());
                files.AddRange(await checkpoints.FinishWriterAsync(writer));
            }
            var manifest = new CheckpointManifest { Epoch = epoch, Files = [.. files.OrderBy(f => f.Key, StringComparer.Ordinal)] };
            await checkpoints.WriteManifestAsync(manifest);
            return CheckpointManifest.Deserialize((await store.GetAsync(StatePaths.Manifest(epoch)))!);
        }
    }

    private static async Task<Run> OpenAsync(IObjectStore store, int parallelism, Func<IStateReader, IStateReader>? readers = null) =>
        new(store, await OpenCheckpointsAsync(store, parallelism), parallelism, readers);

    private static async Task<CheckpointStore> OpenCheckpointsAsync(IObjectStore store, int parallelism)
    {
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions("SELECT 1", "p", parallelism, false, new Arroyo.Tests.Shared.ListLogger()));
        await lease.DisposeAsync();
        return checkpoints;
    }

    /// <summary>Some new rows and retractions of earlier rows (a key whose rows are all retracted is removed).</summary>
    private static Batch Changes(Model model, Random random, int rows, int keySpread, long time)
    {
        var batch = new List<object?[]>();
        for (var i = 0; i < rows; i++)
        {
            var key = "k" + random.Next(keySpread);
            var values = model.Values.TryGetValue(key, out var v) ? v : model.Values[key] = [];
            if (values.Count > 0 && random.Next(3) == 0)
            {
                var value = values[random.Next(values.Count)];
                values.Remove(value);
                batch.Add([key, value, true, time]);
            }
            else
            {
                var value = (long)random.Next(1000);
                values.Add(value);
                batch.Add([key, value, false, time]);
            }
        }
        return Of(Input, [.. batch]);
    }

    /// <summary>What a restored run holds per key: one more row for every key shows it (the retraction carries the restored values).</summary>
    private static Dictionary<string, (long Count, long Sum)> Probe(Run run)
    {
        var probe = Of(Input, Enumerable.Range(0, Keys).Select(k => new object?[] { "k" + k, 0L, false, 1_000_000L }).ToArray());
        var parts = Shuffle(probe, [0], run.Operators.Length);
        var state = new Dictionary<string, (long, long)>();
        for (var p = 0; p < run.Operators.Length; p++)
        {
            var output = new CollectingOutput();
            run.Operators[p].OnBatch(parts[p], 0, output);
            run.Operators[p].OnEnd(output);
            foreach (var row in output.Rows())
            {
                var key = (string)row[0]!;
                var count = (long)row[1]!;
                if ((bool)row[3]!) state[key] = (count, (long)row[2]!);
                else Assert.Equal(state.TryGetValue(key, out var before) ? before.Item1 + 1 : 1, count);
            }
        }
        return state;
    }

    [Fact]
    public async Task A_chain_of_deltas_restores_from_every_retained_checkpoint_at_any_parallelism()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 2);
        var model = new Model();
        var random = new Random(1515);
        var expected = new Dictionary<long, Dictionary<string, (long, long)>>();
        var manifests = new Dictionary<long, CheckpointManifest>();

        // Epoch 1: every key; then a few keys change per epoch (deltas), one epoch changes most (full).
        run.Feed(Changes(model, random, 3000, Keys, 1));
        for (long epoch = 1; epoch <= 8; epoch++)
        {
            if (epoch > 1) run.Feed(Changes(model, random, epoch == 5 ? 2000 : 12, Keys, epoch));
            manifests[epoch] = await run.CheckpointAsync(epoch);
            expected[epoch] = model.Snapshot();
        }

        // The first checkpoint of a run is full; small changes are deltas listing the earlier
        // files again; a change to most keys compacts into a full table.
        Assert.DoesNotContain(manifests[1].Files, f => f.Tables is not null);
        Assert.Contains(manifests[2].Files, f => f.Tables is not null);
        Assert.Contains(manifests[4].Files, f => f.Tables is not null && StatePaths.EpochOf(f.Key) == 1);
        Assert.DoesNotContain(manifests[5].Files, f => f.Tables is not null);
        Assert.Contains(manifests[8].Files, f => f.Tables is not null && StatePaths.EpochOf(f.Key) == 5);
        var fullBytes = manifests[1].Files.Sum(f => f.Size);
        var deltaBytes = manifests[3].Files.Where(f => f.Tables is null).Sum(f => f.Size);
        Assert.True(deltaBytes * 5 < fullBytes, $"delta {deltaBytes} B, full {fullBytes} B");

        // Old epochs go, except the files the kept checkpoints still list.
        await WaitForCleanupAsync(store, manifests);

        // Restore from each retained checkpoint (newest first; dropping a manifest falls back
        // to the one before), at the same, a higher and a lower parallelism.
        foreach (var epoch in new long[] { 8, 7, 6 })
        {
            foreach (var parallelism in new[] { 2, 3, 1 })
            {
                var restored = await OpenAsync(store, parallelism);
                Assert.Equal(epoch, restored.Checkpoints.RestoredEpoch);
                Assert.Equal(expected[epoch].OrderBy(kv => kv.Key), Probe(restored).OrderBy(kv => kv.Key));
            }
            await store.DeleteAsync(StatePaths.Manifest(epoch));
        }
    }

    [Fact]
    public async Task Full_tables_restore_without_lookups_to_what_looking_every_key_up_restores()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 2);
        var model = new Model();
        var random = new Random(2026);
        run.Feed(Changes(model, random, 3000, Keys - 50, 1));
        await run.CheckpointAsync(1);
        var baseKeys = model.Snapshot().Keys.ToHashSet();
        // Deltas (too few changes to compact) with new keys, changed ones and tombstones (keys
        // whose rows are all retracted).
        for (long epoch = 2; epoch <= 4; epoch++)
        {
            run.Feed(Changes(model, random, 25, Keys, epoch));
            Assert.Contains((await run.CheckpointAsync(epoch)).Files, f => f.Tables is not null);
        }
        var expected = model.Snapshot();
        Assert.Contains(expected.Keys, key => !baseKeys.Contains(key));
        var stored = $"{UpdatingAggregateOperator.TableName}.v{UpdatingAggregateOperator.TableVersion}";

        foreach (var parallelism in new[] { 2, 3, 1 })
        {
            // What the store marks as chain starts: the epoch-1 full tables, each key once, no
            // tombstones; the deltas after them not. (A reader's range releases the bytes once
            // read, so each look is through a store opened for it.)
            var checkpoints = await OpenCheckpointsAsync(store, parallelism);
            var startKeys = new List<string>();
            var deltas = 0;
            for (var p = 0; p < parallelism; p++)
            {
                // The estimates a restore sizes its table by, from the files' headers: every row,
                // and the rows of chain starts (the keys of the full tables).
                var reader = checkpoints.CreateReader(NodeId, p, parallelism);
                var (estimatedRows, estimatedStarts) = (reader.EstimateRows(stored), reader.EstimateChainStartRows(stored));
                var (readRows, readStarts) = (0L, 0L);
                foreach (var (rows, chainStart) in reader.ReadTableWithChainStarts(stored))
                {
                    readRows += rows.RowCount;
                    if (chainStart) readStarts += rows.RowCount;
                }
                // Exact where the key ranges divide the files' hash ranges; otherwise whole batches straddling a boundary count.
                Assert.InRange(estimatedStarts, readStarts, parallelism == 3 ? estimatedRows : readStarts);
                Assert.InRange(estimatedRows, readRows, parallelism == 3 ? long.MaxValue : readRows);
                Assert.True(estimatedStarts < estimatedRows);
            }
            checkpoints = await OpenCheckpointsAsync(store, parallelism);
            for (var p = 0; p < parallelism; p++)
            {
                foreach (var (rows, chainStart) in checkpoints.CreateReader(NodeId, p, parallelism).ReadTableWithChainStarts(stored))
                {
                    if (!chainStart)
                    {
                        deltas += rows.RowCount;
                        continue;
                    }
                    var keys = (StringColumn)rows.Columns[1];
                    var deleted = ((PrimitiveColumn<bool>)rows.Columns[2]).Values;
                    for (var r = 0; r < rows.RowCount; r++)
                    {
                        Assert.False(deleted[r]);
                        startKeys.Add(keys.GetString(r));
                    }
                }
            }
            Assert.True(deltas > 0);
            Assert.Equal(baseKeys.Order(), startKeys.Order());

            var withoutLookups = await OpenAsync(store, parallelism);
            var withLookups = await OpenAsync(store, parallelism, reader => new NamedReader(reader, reader.TableNames));
            Assert.Equal(expected.Count, withoutLookups.Operators.Sum(o => o.KeyCount));
            Assert.Equal(expected.Count, withLookups.Operators.Sum(o => o.KeyCount));
            Assert.Equal(expected.OrderBy(kv => kv.Key), Probe(withoutLookups).OrderBy(kv => kv.Key));
            Assert.Equal(expected.OrderBy(kv => kv.Key), Probe(withLookups).OrderBy(kv => kv.Key));
        }
    }

    [Fact]
    public async Task A_run_restored_at_the_same_parallelism_continues_the_restored_chain_and_compacts_after_the_maximum_of_deltas()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 1);
        var model = new Model();
        var random = new Random(7);
        run.Feed(Changes(model, random, 2000, Keys, 1));
        await run.CheckpointAsync(1);
        run.Feed(Changes(model, random, 5, Keys, 2));
        Assert.Contains((await run.CheckpointAsync(2)).Files, f => f.Tables is not null);

        // The restart's first checkpoint is a delta on the previous run's chain (its full table
        // of epoch 1 and delta of epoch 2), not a rewrite of every key.
        var restored = await OpenAsync(store, 1);
        restored.Feed(Changes(model, random, 5, Keys, 3));
        Assert.Equal([1L, 2L], CarriedEpochs(await restored.CheckpointAsync(3)));
        // The run counts its own deltas: compaction after MaxDeltas of them.
        for (long epoch = 4; epoch <= 3 + UpdatingAggregateOperator.MaxDeltas; epoch++)
        {
            restored.Feed(Changes(model, random, 3, Keys, epoch));
            var carried = CarriedEpochs(await restored.CheckpointAsync(epoch));
            Assert.Equal(epoch < 3 + UpdatingAggregateOperator.MaxDeltas ? Enumerable.Range(1, (int)epoch - 1).Select(e => (long)e) : [], carried);
        }
        var final = await OpenAsync(store, 1);
        Assert.Equal(model.Snapshot().OrderBy(kv => kv.Key), Probe(final).OrderBy(kv => kv.Key));
    }

    [Fact]
    public async Task A_run_restored_at_another_parallelism_or_on_a_long_chain_starts_with_full_tables()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 2);
        var model = new Model();
        var random = new Random(8);
        run.Feed(Changes(model, random, 2000, Keys, 1));
        await run.CheckpointAsync(1);
        run.Feed(Changes(model, random, 5, Keys, 2));
        await run.CheckpointAsync(2);

        // At another parallelism a subtask's rows are not any one writer's: full tables.
        var rescaled = await OpenAsync(store, 3);
        rescaled.Feed(Changes(model, random, 5, Keys, 3));
        Assert.Empty(CarriedEpochs(await rescaled.CheckpointAsync(3)));
        Assert.Equal(model.Snapshot().OrderBy(kv => kv.Key), Probe(await OpenAsync(store, 3)).OrderBy(kv => kv.Key));

        // A chain that already holds MaxRestoredDeltas deltas ends at the restart.
        var again = await OpenAsync(store, 3);
        long epoch = 4;
        for (; epoch < 4 + CheckpointStore.MaxRestoredDeltas; epoch++)
        {
            again.Feed(Changes(model, random, 3, Keys, epoch));
            await again.CheckpointAsync(epoch);
        }
        var restarted = await OpenAsync(store, 3);
        restarted.Feed(Changes(model, random, 3, Keys, epoch));
        Assert.Empty(CarriedEpochs(await restarted.CheckpointAsync(epoch)));
        Assert.Equal(model.Snapshot().OrderBy(kv => kv.Key), Probe(await OpenAsync(store, 3)).OrderBy(kv => kv.Key));
    }

    private static List<long> CarriedEpochs(CheckpointManifest manifest) =>
        [.. manifest.Files.Where(f => f.Tables is not null).Select(f => StatePaths.EpochOf(f.Key)!.Value).Distinct().Order()];

    [Fact]
    public async Task A_dropped_checkpoint_makes_the_next_one_full()
    {
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 1);
        var model = new Model();
        var random = new Random(3);
        run.Feed(Changes(model, random, 2000, Keys, 1));
        await run.CheckpointAsync(1);
        // Epoch 2 is written but its manifest never is (a subtask failed): its changes are in no checkpoint.
        run.Feed(Changes(model, random, 5, Keys, 2));
        var writer = run.Checkpoints.CreateWriter(2, NodeId, 0);
        run.Operators[0].OnCheckpoint(new CheckpointBarrier(2, false), writer, new CollectingOutput());
        await run.Checkpoints.FinishWriterAsync(writer);
        run.Feed(Changes(model, random, 5, Keys, 3));
        Assert.DoesNotContain((await run.CheckpointAsync(3)).Files, f => f.Tables is not null);
        var restored = await OpenAsync(store, 1);
        Assert.Equal(model.Snapshot().OrderBy(kv => kv.Key), Probe(restored).OrderBy(kv => kv.Key));
    }

    [Fact]
    public async Task More_changed_keys_than_a_flush_lists_are_all_emitted_and_restore_at_another_parallelism()
    {
        // 70 000 keys changing at once: beyond the list of changed groups, the flush finds them by their flag.
        const int many = 70_000;
        var store = new InMemoryObjectStore();
        var run = await OpenAsync(store, 1);
        var op = run.Operators[0];
        var first = new CollectingOutput();
        op.OnBatch(Of(Input, Enumerable.Range(0, many).Select(k => new object?[] { "k" + k, (long)k, false, 1L }).ToArray()), 0, first);
        op.OnEnd(first);
        var rows = first.Rows();
        Assert.Equal(many, rows.Count);
        Assert.All(rows, r => Assert.Equal((false, 1L), ((bool)r[3]!, (long)r[1]!)));
        Assert.Equal(many, rows.Select(r => (string)r[0]!).Distinct().Count());

        // Every key again: a retraction of count 1 and a new row of count 2 each, in id order.
        var second = new CollectingOutput();
        op.OnBatch(Of(Input, Enumerable.Range(0, many).Select(k => new object?[] { "k" + k, 1L, false, 2L }).ToArray()), 0, second);
        op.OnEnd(second);
        rows = second.Rows();
        Assert.Equal(2 * many, rows.Count);
        Assert.Equal(many, rows.Count(r => (bool)r[3]! && (long)r[1]! == 1));
        Assert.Equal(many, rows.Count(r => !(bool)r[3]! && (long)r[1]! == 2 && (long)r[2]! == long.Parse(((string)r[0]!)[1..], System.Globalization.CultureInfo.InvariantCulture) + 1));
        await run.CheckpointAsync(1);

        var restored = await OpenAsync(store, 3);
        Assert.Equal(many, restored.Operators.Sum(o => o.KeyCount));
    }

    [Fact]
    public void State_of_another_layout_version_or_schema_is_refused_with_a_clear_message()
    {
        var legacy = new MemoryState();
        legacy.WriteTable(UpdatingAggregateOperator.TableName, Of(new Schema([new Field(StateColumns.KeyHashColumn, DataType.UInt64, false)]), [1UL]));
        var op = new UpdatingAggregateOperator(Spec, TestFunctions.Builtins);
        var error = Assert.Throws<StateFormatException>(() => op.Open(Context(0, 1, new NamedReader(legacy.ReaderFor(0, 1), [UpdatingAggregateOperator.TableName]))));
        Assert.Contains("'updating_aggregates' in an unversioned layout", error.Message);
        Assert.Contains("version 2", error.Message);

        // The same table name and version, but an Int64 key where the query now has text.
        var intInput = new Schema([.. Input.Fields.Select((f, i) => i == 0 ? f with { Type = DataType.Int64 } : f)]);
        var intSpec = Spec with { Input = intInput, Output = new Schema([.. Output.Fields.Select((f, i) => i == 0 ? f with { Type = DataType.Int64 } : f)]) };
        var state = new MemoryState();
        var writerOp = new UpdatingAggregateOperator(intSpec, TestFunctions.Builtins);
        writerOp.Open(Context());
        writerOp.OnBatch(Of(intInput, [1L, 1L, false, 1L]), 0, new CollectingOutput());
        writerOp.OnCheckpoint(new CheckpointBarrier(1, false), state, new CollectingOutput());
        var stored = $"{UpdatingAggregateOperator.TableName}.v{UpdatingAggregateOperator.TableVersion}";
        var reader = new NamedReader(state.ReaderFor(0, 1), [stored]);
        error = Assert.Throws<StateFormatException>(() => new UpdatingAggregateOperator(Spec, TestFunctions.Builtins).Open(Context(0, 1, reader)));
        Assert.Contains("column 1 is 'k0' BIGINT", error.Message.Replace("Int64", "BIGINT", StringComparison.Ordinal));
    }

    /// <summary>Passes <paramref name="inner"/>'s rows on, listing <paramref name="names"/> as its tables; it cannot tell chain starts, so a restore through it looks every key up.</summary>
    private sealed class NamedReader(IStateReader inner, IReadOnlyCollection<string> names) : IStateReader
    {
        public long? Epoch => inner.Epoch;

        public IEnumerable<Batch> ReadTable(string table, bool allRows = false) => inner.ReadTable(table, allRows);

        public IReadOnlyCollection<string> TableNames => names;
    }

    internal static async Task WaitForCleanupAsync(IObjectStore store, Dictionary<long, CheckpointManifest> manifests)
    {
        var kept = manifests.Keys.OrderDescending().Take(CheckpointStore.CheckpointsKept).ToList();
        var referenced = kept.SelectMany(e => manifests[e].Files.Select(f => f.Key)).Concat(kept.Select(StatePaths.Manifest)).ToHashSet();
        // Cleanup runs in the background after each manifest; wait for it to settle.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var keys = (await store.ListAsync(StatePaths.CheckpointsPrefix)).Select(o => o.Key).ToHashSet();
            Assert.True(referenced.IsSubsetOf(keys), "a file a kept checkpoint lists was deleted: " + string.Join(", ", referenced.Except(keys)));
            if (keys.SetEquals(referenced)) return;
            Assert.True(DateTime.UtcNow < deadline, "left behind: " + string.Join(", ", keys.Except(referenced)));
            await Task.Delay(20);
        }
    }
}
