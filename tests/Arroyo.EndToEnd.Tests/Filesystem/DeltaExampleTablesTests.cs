using System.Globalization;
using Arroyo.Connectors.Filesystem.Delta;
using Arroyo.Storage;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// Our Delta log reader against tables another implementation wrote (delta-rs's test tables,
/// kept in <c>DeltaTables/</c>): the files of the latest snapshot, read by DuckDB, hold the rows
/// delta-rs's own tests expect; files a later version removed are left out; partition values
/// come from the log.
/// </summary>
public sealed class DeltaExampleTablesTests
{
    private static string TablePath(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Arroyo.slnx"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("no Arroyo.slnx above the test directory");
        return Path.Combine(dir, "tests", "Arroyo.EndToEnd.Tests", "Filesystem", "DeltaTables", name);
    }

    private static DeltaSnapshot Snapshot(string path)
    {
        var store = new LocalObjectStore(path);
        try
        {
            return DeltaTableReader.Read(store);
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string Files(string path, IEnumerable<DeltaFile> files) =>
        "[" + string.Join(", ", files.Select(f => $"'{Path.Combine(path, f.Path)}'")) + "]";

    [Fact]
    public void Simple_table_holds_what_is_left_after_its_delete()
    {
        var path = TablePath("simple_table");
        var snapshot = Snapshot(path);
        Assert.Equal(4, snapshot.Version);
        Assert.Empty(snapshot.PartitionColumns);
        var ids = ParquetFiles.Query($"SELECT id FROM read_parquet({Files(path, snapshot.Files)}) ORDER BY id")
            .Select(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([5L, 7, 9], ids);
        // The directory holds the removed files too: reading all of them would give more rows.
        var all = ParquetFiles.Query($"SELECT count(*) FROM read_parquet('{path}/*.parquet')").Single()[0];
        Assert.True(Convert.ToInt64(all, CultureInfo.InvariantCulture) > ids.Count);
    }

    [Fact]
    public void Partitioned_table_gives_its_rows_with_partition_values_from_the_log()
    {
        var path = TablePath("delta-0.8.0-partitioned");
        var snapshot = Snapshot(path);
        Assert.Equal(["year", "month", "day"], snapshot.PartitionColumns);
        var rows = new List<string>();
        foreach (var file in snapshot.Files)
        {
            var values = ParquetFiles.Query($"SELECT value FROM read_parquet('{Path.Combine(path, file.Path)}')");
            rows.AddRange(values.Select(v => $"{v[0]} {file.PartitionValues["year"]}-{file.PartitionValues["month"]}-{file.PartitionValues["day"]}"));
        }
        // delta-rs's test_read_partitioned_table_to_dict: value, year, month, day.
        string[] expected = ["1 2020-1-1", "2 2020-2-3", "3 2020-2-5", "6 2021-12-20", "7 2021-12-20", "5 2021-12-4", "4 2021-4-5"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
    }
}
