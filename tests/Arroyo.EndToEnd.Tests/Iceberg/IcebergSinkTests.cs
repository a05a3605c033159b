using System.Globalization;
using System.Text.Json.Nodes;
using Arroyo.Connectors.Filesystem.Iceberg;
using Arroyo.EndToEnd.Tests.Filesystem;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Iceberg;

/// <summary>
/// The iceberg sink against <see cref="IcebergRestCatalogServer"/> (a REST catalog that checks
/// commit requirements), reading the table back the way an Iceberg reader does: the current
/// snapshot's manifest list, its manifests, then DuckDB over the data files they list.
/// </summary>
public sealed class IcebergSinkTests
{
    // Per impulse subtask: enough for ten paced runs (KillLoop checks); the final run writes the rest at the event rate.
    private const int Rows = 50_000;

    private static string Query(string catalogUrl, int rows, string extra = "", int rate = 3000) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '{rate}', message_count = '{rows}');
        CREATE TABLE events (counter BIGINT, subtask BIGINT, at TIMESTAMP, label TEXT) WITH (
          connector = 'iceberg', type = 'sink', format = 'parquet',
          'catalog.type' = 'rest', 'catalog.rest.url' = '{catalogUrl}', 'catalog.warehouse' = 'wh',
          namespace = 'analytics.raw', table_name = 'events'{extra});
        INSERT INTO events SELECT counter, subtask_index, row_time(), CASE WHEN counter % 3 = 0 THEN NULL ELSE 'n' || CAST(counter AS TEXT) END FROM impulse;
        """;

    /// <summary>The manifests of the table's current snapshot, through its manifest list.</summary>
    private static List<IcebergManifestFile> CurrentManifests(JsonObject metadata)
    {
        var current = (long)metadata["current-snapshot-id"]!;
        var snapshot = ((JsonArray)metadata["snapshots"]!).OfType<JsonObject>().Single(s => (long)s["snapshot-id"]! == current);
        var listPath = (string)snapshot["manifest-list"]!;
        return IcebergManifests.ReadManifestList(File.ReadAllBytes(new Uri(listPath).LocalPath), listPath);
    }

    private static List<IcebergDataFile> FilesOf(IcebergManifestFile manifest) =>
        IcebergManifests.ReadManifest(File.ReadAllBytes(new Uri(manifest.Path).LocalPath), manifest.Path);

    /// <summary>The data files of the table's current snapshot, through its manifest list and manifests.</summary>
    private static List<IcebergDataFile> CurrentFiles(JsonObject metadata) => CurrentManifests(metadata).SelectMany(FilesOf).ToList();

    [Fact]
    public void Killed_repeatedly_the_snapshots_add_each_row_exactly_once()
    {
        using var dir = new TempDirectory();
        using var catalog = new IcebergRestCatalogServer("file://" + dir.File("warehouse"));
        File.WriteAllText(dir.File("q.sql"), Query(catalog.Url, Rows, rate: 100_000));
        var environment = new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "300ms" };
        var killed = KillLoop.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment, Rows, seed: 7, minMs: 500, maxMs: 1200);
        Assert.Equal(KillLoop.Kills, killed);
        var final = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        Assert.True(final.ExitCode == 0, final.ToString());

        var metadata = catalog.Metadata("analytics\u001fraw", "events") ?? throw new InvalidOperationException("the table was not created");
        var location = (string)metadata["location"]!;
        Assert.Equal("file://" + dir.File("warehouse") + "/analytics/raw/events", location);
        var snapshots = ((JsonArray)metadata["snapshots"]!).OfType<JsonObject>().ToList();
        Assert.Equal(catalog.Commits, snapshots.Count);
        // One snapshot per committed checkpoint: no commit id twice, sequence numbers 1, 2, …
        var commitIds = snapshots.Select(s => (string)s["summary"]!["arroyo.commit-id"]!).ToList();
        Assert.Equal(commitIds.Count, commitIds.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, snapshots.Count).Select(i => (long)i), snapshots.Select(s => (long)s["sequence-number"]!));

        var files = CurrentFiles(metadata);
        var onDisk = Directory.GetFiles(new Uri(location + "/data").LocalPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onDisk, files.Select(f => new Uri(f.Path).LocalPath).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(2 * Rows, files.Sum(f => f.Records));
        Assert.All(files, f => Assert.Equal(new FileInfo(new Uri(f.Path).LocalPath).Length, f.Bytes));

        var list = string.Join(", ", files.Select(f => $"'{new Uri(f.Path).LocalPath}'"));
        var counts = ParquetFiles.Query(
                $"SELECT count(*), count(DISTINCT (counter, subtask)), count(label), count(*) FILTER (WHERE label <> 'n' || CAST(counter AS VARCHAR)) FROM read_parquet([{list}])")
            .Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([2 * Rows, 2 * Rows, 2 * (Rows - (Rows + 2) / 3), 0], counts);
    }

    [Fact]
    public void Data_files_carry_the_catalogs_field_ids_and_microsecond_timestamps()
    {
        using var dir = new TempDirectory();
        using var catalog = new IcebergRestCatalogServer("file://" + dir.File("warehouse"));
        File.WriteAllText(dir.File("q.sql"), Query(catalog.Url, 100, ", location_path = 'file://" + dir.File("elsewhere") + "'"));
        var run = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var metadata = catalog.Metadata("analytics\u001fraw", "events")!;
        Assert.Equal("file://" + dir.File("elsewhere"), (string)metadata["location"]!);
        var schema = ((JsonArray)metadata["schemas"]!).OfType<JsonObject>().Single();
        var ids = ((JsonArray)schema["fields"]!).OfType<JsonObject>().ToDictionary(f => (string)f["name"]!, f => (int)f["id"]!);
        Assert.Equal(["counter", "subtask", "at", "label"], ids.Keys);
        Assert.Equal("timestamp", (string)((JsonArray)schema["fields"]!).OfType<JsonObject>().Single(f => (string)f["name"]! == "at")["type"]!);
        var file = new Uri(CurrentFiles(metadata).First().Path).LocalPath;
        var columns = ParquetFiles.Query($"SELECT name, field_id, logical_type FROM parquet_schema('{file}') WHERE name <> 'duckdb_schema'");
        foreach (var column in columns.Where(c => ids.ContainsKey((string)c[0]!)))
        {
            Assert.Equal(ids[(string)column[0]!], Convert.ToInt32(column[1], CultureInfo.InvariantCulture));
        }
        Assert.Contains("MICROS", columns.Single(c => (string)c[0]! == "at")[2]?.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(100L, Convert.ToInt64(ParquetFiles.Query($"SELECT count(*) FROM read_parquet('{file}') WHERE \"at\" IS NOT NULL").Single()[0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_partitioned_table_files_every_row_under_its_transforms_values()
    {
        using var dir = new TempDirectory();
        using var catalog = new IcebergRestCatalogServer("file://" + dir.File("warehouse"));
        var sql = Query(catalog.Url, 3000, ", 'shuffle_by_partition.enabled' = true")
            .Replace("= true);", "= true) PARTITIONED BY (bucket(counter, 3), truncate(label, 2), hour(at), identity(subtask));", StringComparison.Ordinal);
        Assert.Contains("PARTITIONED BY", sql);
        File.WriteAllText(dir.File("q.sql"), sql);
        var environment = new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms" };
        var run = ArroyoProcess.Run(["run", "-p", "2", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        Assert.True(run.ExitCode == 0, run.ToString());

        var metadata = catalog.Metadata("analytics\u001fraw", "events")!;
        var spec = ((JsonArray)metadata["partition-specs"]!).OfType<JsonObject>().Single();
        Assert.Equal(["counter_bucket_3", "label_truncate_2", "at_hour", "subtask_identity"], ((JsonArray)spec["fields"]!).Select(f => (string)f!["name"]!));
        var files = CurrentFiles(metadata);
        Assert.Equal(2 * 3000, files.Sum(f => f.Records));
        var fields = new[]
        {
            new IcebergPartitionField("counter", IcebergTransform.Bucket, 3), new IcebergPartitionField("label", IcebergTransform.Truncate, 2),
            new IcebergPartitionField("at", IcebergTransform.Hour), new IcebergPartitionField("subtask", IcebergTransform.Identity),
        };
        var types = new[] { Core.Types.DataType.Int64, Core.Types.DataType.Utf8, Core.Types.DataType.Timestamp, Core.Types.DataType.Int64 };
        Assert.Contains(files, f => f.Partition[1] is null); // labels are NULL for every third counter
        foreach (var file in files)
        {
            // Every row of the file has the file's partition values; DuckDB gives timestamps in microseconds.
            var rows = ParquetFiles.Query($"SELECT counter, label, epoch_us(\"at\"), subtask FROM read_parquet('{new Uri(file.Path).LocalPath}')");
            Assert.Equal(file.Records, rows.Count);
            Assert.All(rows, row =>
            {
                for (var i = 0; i < fields.Length; i++)
                {
                    var value = row[i] is null ? null : i == 2 ? Convert.ToInt64(row[i], CultureInfo.InvariantCulture) * 1000 : i == 1 ? row[i] : (object)Convert.ToInt64(row[i], CultureInfo.InvariantCulture);
                    Assert.Equal(IcebergPartitioner.Apply(fields[i], types[i], value), file.Partition[i]);
                }
            });
            Assert.Contains($"/data/counter_bucket_3={file.Partition[0]}/", file.Path);
        }

        // The manifest list summarises each manifest's partition values: nulls, and bounds in
        // the spec's binary form (little-endian int and long, UTF-8 strings; these hosts are little-endian).
        foreach (var manifest in CurrentManifests(metadata))
        {
            var entries = FilesOf(manifest);
            var summaries = manifest.Partitions ?? throw new InvalidOperationException($"manifest {manifest.Path} has no partition summaries");
            Assert.Equal(fields.Length, summaries.Count);
            for (var i = 0; i < fields.Length; i++)
            {
                var values = entries.Select(f => f.Partition[i]).OfType<object>().ToList();
                Assert.Equal(entries.Any(f => f.Partition[i] is null), summaries[i].ContainsNull);
                Assert.False(summaries[i].ContainsNan);
                byte[] Bytes(object v) => v switch { int n => BitConverter.GetBytes(n), long n => BitConverter.GetBytes(n), _ => System.Text.Encoding.UTF8.GetBytes((string)v) };
                var ordered = values.OrderBy(v => v, Comparer<object>.Create((a, b) => a is string x ? string.CompareOrdinal(x, (string)b) : ((IComparable)a).CompareTo(b))).ToList();
                Assert.Equal(ordered.Count == 0 ? null : Bytes(ordered[0]), summaries[i].LowerBound);
                Assert.Equal(ordered.Count == 0 ? null : Bytes(ordered[^1]), summaries[i].UpperBound);
            }
        }
    }

    [Fact]
    public void An_unreachable_catalog_fails_with_its_url()
    {
        using var dir = new TempDirectory();
        const string url = "http://127.0.0.1:9/catalog";
        File.WriteAllText(dir.File("q.sql"), Query(url, 10));
        var run = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__DEBUG__STORAGE_RETRY_ATTEMPTS"] = "2", ["ARROYO__DEBUG__STORAGE_RETRY_DELAY"] = "10ms" });
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Iceberg REST catalog at http://127.0.0.1:9/catalog/v1/config", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }
}
