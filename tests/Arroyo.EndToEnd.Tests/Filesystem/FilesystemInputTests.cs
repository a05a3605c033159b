using System.IO.Compression;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// The filesystem source on good and bad input: compressed files, records that do not parse
/// (dropped and counted, or a clear error naming file and line), a file that is not Parquet, a
/// path that does not exist, a bucket nobody answers for. Errors exit 1 without a stack trace.
/// </summary>
public sealed class FilesystemInputTests
{
    private static readonly Dictionary<string, string> s_fastRetries = new()
    {
        ["ARROYO__DEBUG__STORAGE_RETRY_ATTEMPTS"] = "2",
        ["ARROYO__DEBUG__STORAGE_RETRY_DELAY"] = "10ms",
    };

    private static RunOutcome Copy(TempDirectory dir, string input, string format, string extra = "")
    {
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE src (id BIGINT, name TEXT) WITH (
              connector = 'filesystem', type = 'source', path = '{input}', format = '{format}'{extra});
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT id, name FROM src;
            """);
        return ArroyoProcess.Run(["run", dir.File("q.sql")], environment: s_fastRetries, timeout: TimeSpan.FromSeconds(90));
    }

    private static void AssertCleanError(RunOutcome outcome)
    {
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        Assert.DoesNotContain("   at ", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }

    private static string[] Lines(int from, int count) =>
        Enumerable.Range(from, count).Select(i => $$"""{"id":{{i}},"name":"n{{i}}"}""").ToArray();

    [Fact]
    public void Gzip_and_zstd_files_are_read_whole()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("gz"));
        Directory.CreateDirectory(dir.File("zst"));
        using (var gz = new GZipStream(File.Create(dir.File("gz/a.json.gz")), CompressionLevel.Fastest))
        {
            gz.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Lines(0, 300)) + "\n"));
        }
        using (var file = File.Create(dir.File("zst/a.json.zst")))
        using (var zst = new ZstdSharp.CompressionStream(file))
        {
            zst.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Lines(0, 300))));
        }

        var gzip = Copy(dir, dir.File("gz"), "json", ", 'source.compression' = 'gzip'");
        Assert.True(gzip.ExitCode == 0, gzip.ToString());
        Assert.Equal(300, File.ReadAllLines(dir.File("out.json")).Length);
        var zstd = Copy(dir, dir.File("zst"), "json", ", 'source.compression' = 'zstd'");
        Assert.True(zstd.ExitCode == 0, zstd.ToString());
        Assert.Equal(Lines(0, 300).Order(), File.ReadAllLines(dir.File("out.json")).Order());
    }

    [Fact]
    public void Bad_records_are_dropped_and_counted_with_bad_data_drop()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllLines(dir.File("in/a.json"), [.. Lines(0, 5), "{not json", .. Lines(5, 5), """{"id":"x"}"""]);
        var outcome = Copy(dir, dir.File("in"), "json", ", bad_data = 'drop'");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(10, File.ReadAllLines(dir.File("out.json")).Length);
        Assert.Contains("dropped 2 record(s)", outcome.Stderr);
        Assert.Contains("a.json", outcome.Stderr);
    }

    [Fact]
    public void A_bad_record_fails_the_run_naming_file_and_line()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllLines(dir.File("in/a.json"), [.. Lines(0, 3), "{not json"]);
        var outcome = Copy(dir, dir.File("in"), "json");
        AssertCleanError(outcome);
        Assert.Contains("in/a.json line 4", outcome.Stderr);
    }

    [Fact]
    public void A_file_that_is_not_parquet_fails_the_run_naming_it_or_is_skipped_with_drop()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllText(dir.File("in/broken.parquet"), "this is not parquet at all");
        var outcome = Copy(dir, dir.File("in"), "parquet");
        AssertCleanError(outcome);
        Assert.Contains("in/broken.parquet", outcome.Stderr);
        Assert.Contains("not a valid Parquet file", outcome.Stderr);

        var dropped = Copy(dir, dir.File("in"), "parquet", ", bad_data = 'drop'");
        Assert.True(dropped.ExitCode == 0, dropped.ToString());
        Assert.Contains("skipping", dropped.Stderr);
        Assert.Contains("broken.parquet", dropped.Stderr);
    }

    [Fact]
    public void A_missing_path_is_named()
    {
        using var dir = new TempDirectory();
        var outcome = Copy(dir, dir.File("nowhere"), "json");
        AssertCleanError(outcome);
        Assert.Contains($"the path '{dir.File("nowhere")}' of table 'src' does not exist", outcome.Stderr);
    }

    [Fact]
    public void An_unreachable_bucket_is_retried_then_named()
    {
        using var dir = new TempDirectory();
        var outcome = Copy(dir, "s3::http://127.0.0.1:9/no-bucket/in", "json");
        AssertCleanError(outcome);
        Assert.Contains("127.0.0.1:9", outcome.Stderr);
        Assert.Contains("no-bucket", outcome.Stderr);
    }
}
