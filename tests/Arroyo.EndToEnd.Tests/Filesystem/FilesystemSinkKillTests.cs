using System.Globalization;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// The filesystem sink's exactly-once promise on an object store: an impulse source written as
/// Parquet to s3rver, the process killed with SIGKILL several times and restarted each time;
/// afterwards the visible objects are whole Parquet files (no partial, no leftover upload) and,
/// read by DuckDB, hold every row exactly once.
/// </summary>
public sealed class FilesystemSinkKillTests(S3rverFixture server) : IClassFixture<S3rverFixture>
{
    private const int Rows = 20_000;

    private static string Query(string path) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '4000', message_count = '{Rows}');
        CREATE TABLE out (counter BIGINT, label TEXT) WITH (
          connector = 'filesystem', type = 'sink', format = 'parquet', path = '{path}',
          'partitioning.fields' = [label], 'rolling_policy.file_size' = '64KB');
        INSERT INTO out SELECT counter, CASE WHEN counter % 3 = 0 THEN 'fizz' ELSE 'other' END FROM impulse;
        """;

    [Fact]
    public void Killed_repeatedly_leaves_each_row_in_exactly_one_visible_parquet_file()
    {
        server.RequireRunning();
        using var dir = new TempDirectory();
        var path = $"s3::{server.Endpoint}/{S3rverFixture.Bucket}/fs-kill-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string>(server.Environment)
        {
            ["AWS_REGION"] = "us-east-1",
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms",
        };
        File.WriteAllText(dir.File("q.sql"), Query(path));
        var killed = KillLoop.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment, attempts: 8, seed: 17, minMs: 300, maxMs: 900);
        Assert.True(killed >= 4, $"only {killed} kills landed before the input ended");
        var final = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        Assert.True(final.ExitCode == 0, final.ToString());

        var keys = ParquetFiles.Download(path, environment, dir.File("visible"));
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Matches(@"^label=(fizz|other)/[0-9a-f-]{36}\.parquet$", k));
        var rows = ParquetFiles.Query(
            $"SELECT count(*), count(DISTINCT counter), min(counter), max(counter), count(*) FILTER (WHERE (counter % 3 = 0) <> (label = 'fizz')) " +
            $"FROM read_parquet('{dir.File("visible")}/**/*.parquet', hive_partitioning = false)");
        var counts = rows.Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([Rows, Rows, 0, Rows - 1, 0], counts);
    }
}
