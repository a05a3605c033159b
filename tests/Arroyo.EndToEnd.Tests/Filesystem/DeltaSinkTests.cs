using System.Globalization;
using Arroyo.Connectors.Filesystem.Delta;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.Storage;
using Arroyo.Storage.Cloud;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// The delta sink, partitioned, at parallelism 2, killed with SIGKILL and restarted ten
/// times: the log is a gapless sequence of versions with one transaction per checkpoint, every
/// file it adds exists and every Parquet file in the table is in it, and DuckDB over the log's
/// files finds each row exactly once with the partition value the file's directory names.
/// </summary>
public sealed class DeltaSinkTests
{
    // Per impulse subtask: enough for ten paced runs (KillLoop checks); the final run writes the rest at the event rate.
    private const int Rows = 50_000;

    private static string Query(string path) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100000', message_count = '{Rows}');
        CREATE TABLE lake (counter BIGINT, subtask BIGINT, kind TEXT) WITH (
          connector = 'delta', type = 'sink', format = 'parquet', path = '{path}', 'partitioning.fields' = [kind]);
        INSERT INTO lake SELECT counter, subtask_index, CASE WHEN counter % 2 = 0 THEN 'even' ELSE 'odd' END FROM impulse;
        """;

    [Fact]
    public void Killed_repeatedly_the_log_adds_each_row_exactly_once()
    {
        using var dir = new TempDirectory();
        var table = dir.File("lake");
        File.WriteAllText(dir.File("q.sql"), Query(table));
        var environment = new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "300ms" };
        var killed = KillLoop.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment, Rows, seed: 5, minMs: 400, maxMs: 1000);
        Assert.Equal(KillLoop.Kills, killed);
        var final = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        Assert.True(final.ExitCode == 0, final.ToString());

        DeltaSnapshot snapshot;
        var store = (IMultipartStore)ObjectStoreFactory.Create(table, new Dictionary<string, string>());
        try
        {
            snapshot = DeltaTableReader.Read(store);
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Assert.Equal(["kind"], snapshot.PartitionColumns);
        Assert.Contains("\"name\":\"counter\"", snapshot.SchemaString);
        var onDisk = Directory.GetFiles(table, "*.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(table, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onDisk, snapshot.Files.Select(f => f.Path).ToList());
        Assert.All(snapshot.Files, f => Assert.Equal(f.Path.Split('/')[0], "kind=" + f.PartitionValues["kind"]));
        // Each of the 2 impulse subtasks counts to Rows.
        Assert.Equal(2 * Rows, snapshot.Files.Sum(f => f.Records));

        var list = string.Join(", ", snapshot.Files.Select(f => $"'{Path.Combine(table, f.Path)}'"));
        var counts = ParquetFiles.Query(
                $"SELECT count(*), count(DISTINCT (counter, subtask)), count(*) FILTER (WHERE (counter % 2 = 0) <> (kind = 'even')) FROM read_parquet([{list}], hive_partitioning = false)")
            .Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([2 * Rows, 2 * Rows, 0], counts);
    }

    [Fact]
    public void A_second_pipeline_appending_to_the_table_adds_its_rows()
    {
        // Two state dirs, so two pipelines whose epochs both start at 1: each keeps its own
        // transaction id in the log, and the second one's commits are not taken for replays.
        using var dir = new TempDirectory();
        var table = dir.File("lake");
        File.WriteAllText(dir.File("q.sql"), Query(table).Replace($"message_count = '{Rows}'", "message_count = '500'"));
        foreach (var state in new[] { "first", "second" })
        {
            var run = ArroyoProcess.Run(["run", "-s", dir.File(state), dir.File("q.sql")]);
            Assert.True(run.ExitCode == 0, run.ToString());
        }
        var store = (IMultipartStore)ObjectStoreFactory.Create(table, new Dictionary<string, string>());
        try
        {
            Assert.Equal(2 * 500, DeltaTableReader.Read(store).Files.Sum(f => f.Records));
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
