using System.Globalization;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// The filesystem sink's exactly-once promise on an object store: an impulse source written as
/// Parquet to s3rver, the process killed with SIGKILL ten times and restarted each time (see
/// <see cref="KillLoop"/> for why the input cannot end first); afterwards the visible objects are
/// whole Parquet files (no partial object, no upload left in progress shows) and, read by DuckDB,
/// hold every row exactly once.
/// </summary>
public sealed class FilesystemSinkKillTests(S3rverFixture server) : IClassFixture<S3rverFixture>
{
    // Enough for ten paced runs with room to spare (KillLoop checks); the final, unpaced run
    // writes the rest at the event rate in a second or two.
    private const int Rows = 60_000;

    private static string Query(string path, string format = "parquet", string rolling = ", 'rolling_policy.file_size' = '64KB'") => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '50000', message_count = '{Rows}');
        CREATE TABLE out (counter BIGINT, label TEXT) WITH (
          connector = 'filesystem', type = 'sink', format = '{format}', path = '{path}',
          'partitioning.fields' = [label]{rolling});
        INSERT INTO out SELECT counter, CASE WHEN counter % 3 = 0 THEN 'fizz' ELSE 'other' END FROM impulse;
        """;

    /// <summary>
    /// No rolling policy: every file stays open across the 200 ms checkpoints until its run is
    /// killed or stops, so each kill leaves open files that the restore ends with exactly the
    /// rows of the restored checkpoint. On the local disk and on s3rver, as parquet and json.
    /// </summary>
    [Theory]
    [InlineData("local", "parquet")]
    [InlineData("local", "json")]
    [InlineData("s3", "parquet")]
    [InlineData("s3", "json")]
    public void Files_kept_open_across_checkpoints_hold_each_row_once_after_kills(string store, string format)
    {
        if (store == "s3") server.RequireRunning();
        using var dir = new TempDirectory();
        var path = store == "s3" ? $"s3::{server.Endpoint}/{S3rverFixture.Bucket}/fs-open-{Guid.NewGuid():N}" : dir.File("out");
        var environment = new Dictionary<string, string>(server.Environment)
        {
            ["AWS_REGION"] = "us-east-1",
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "200ms",
        };
        File.WriteAllText(dir.File("q.sql"), Query(path, format, rolling: ""));
        var killed = KillLoop.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment, Rows, seed: 29, minMs: 700, maxMs: 1500);
        Assert.Equal(KillLoop.Kills, killed);
        var final = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment: environment);
        Assert.True(final.ExitCode == 0, final.ToString());

        var keys = ParquetFiles.Download(path, environment, dir.File("visible"));
        Assert.All(keys, k => Assert.Matches($@"^label=(fizz|other)/[0-9a-f-]{{36}}\.{format}$", k));
        // Per run and partition: the file it wrote and the one its restore ended; checkpoints cut none.
        Assert.InRange(keys.Count, 2, 2 * 2 * (killed + 1));
        if (store == "local")
        {
            var uploads = Path.Combine(path, ".arroyo-uploads");
            Assert.False(Directory.Exists(uploads) && Directory.EnumerateDirectories(uploads).Any(), "unfinished uploads were left behind");
        }
        var read = format == "parquet"
            ? $"read_parquet('{dir.File("visible")}/**/*.parquet', hive_partitioning = false)"
            : $"read_json('{dir.File("visible")}/**/*.json', columns = {{counter: 'BIGINT', label: 'VARCHAR'}})";
        var rows = ParquetFiles.Query(
            $"SELECT count(*), count(DISTINCT counter), min(counter), max(counter), count(*) FILTER (WHERE (counter % 3 = 0) <> (label = 'fizz')) FROM {read}");
        var counts = rows.Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([Rows, Rows, 0, Rows - 1, 0], counts);
    }

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
        var killed = KillLoop.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], environment, Rows, seed: 17, minMs: 300, maxMs: 900);
        Assert.Equal(KillLoop.Kills, killed);
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
