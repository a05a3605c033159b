using System.Diagnostics;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>Sinks fail loudly: a clear error naming what and where, a non-zero exit, nothing committed lost.</summary>
public sealed class SinkFailureTests
{
    private static string Impulse(int count) =>
        $"CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '{count}');\n";

    private static string FileSink(string path) =>
        $"CREATE TABLE o (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{path}', format = 'json', type = 'sink');\n";

    [Fact]
    public void Stdout_into_a_closed_pipe_ends_the_run_with_an_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Impulse(1_000_000) + "SELECT counter FROM impulse;");
        var (exit, stdout, stderr) = Shell(dir, $"dotnet '{ArroyoProcess.CliPath}' run -s '{dir.File("state")}' '{dir.File("q.sql")}' 2> '{dir.File("err")}' | head -2; echo \"exit=${{PIPESTATUS[0]}}\"");
        Assert.Equal(0, exit);
        var log = File.ReadAllText(dir.File("err"));
        Assert.StartsWith("{\"counter\":0}\n{\"counter\":1}\n", stdout);
        Assert.True(stdout.EndsWith("exit=1\n", StringComparison.Ordinal), stdout + log);
        Assert.Contains("error: stdout was closed by the program reading it (broken pipe)", log);
        Assert.DoesNotContain("internal error", log);
    }

    [Fact]
    public void A_sink_writing_the_file_a_source_reads_is_refused_at_planning()
    {
        using var dir = new TempDirectory();
        var input = dir.File("events.json");
        File.WriteAllText(input, "{\"counter\":1}\n{\"counter\":2}\n");
        var query = $"""
            CREATE TABLE events (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{input}', format = 'json', type = 'source');
            CREATE TABLE copy (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{dir.Path}/./events.json', format = 'json', type = 'sink');
            INSERT INTO copy SELECT counter FROM events;
            """;
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: query);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error at line 3, column 13: Error during planning: sink table 'copy' would write to '{input}', which source table 'events' reads", outcome.Stderr);
        Assert.Contains("INSERT INTO copy", outcome.Stderr);
        Assert.Equal("{\"counter\":1}\n{\"counter\":2}\n", File.ReadAllText(input));
    }

    [Fact]
    public void A_sink_path_that_is_a_directory_is_a_planning_error_at_the_path()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: Impulse(10) + FileSink(dir.Path) + "INSERT INTO o SELECT counter FROM impulse;");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error at line 2, column 75: Failed to create table o caused by Error during planning: the path '{dir.Path}' of sink table 'o' is a directory", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }

    [Fact]
    public void A_sink_path_whose_parent_is_a_file_names_the_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("plain"), "");
        var path = dir.File("plain") + "/sub/out.json";
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: Impulse(10) + FileSink(path) + "INSERT INTO o SELECT counter FROM impulse;");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"error: cannot create the directory '{dir.File("plain")}/sub' for table 'o' (path '{path}'): '{dir.File("plain")}' is a file, not a directory", outcome.Stderr);
        Assert.DoesNotContain("internal error", outcome.Stderr);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_sink_path_without_write_permission_is_a_user_error()
    {
        using var dir = new TempDirectory();
        var locked = dir.File("locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                     UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1FF);
        File.WriteAllText(dir.File("q.sql"), Impulse(10) + FileSink(locked + "/out.json") + "INSERT INTO o SELECT counter FROM impulse;");
        // Root writes anywhere: run the CLI as nobody to meet the permission check.
        var asNobody = Environment.UserName == "root" ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
        var (_, stdout, _) = Shell(dir, $"HOME=/tmp {asNobody}dotnet '{ArroyoProcess.CliPath}' run -s '{dir.File("state")}' '{dir.File("q.sql")}' 2>&1; echo \"exit=$?\"");
        Assert.Contains($"error: cannot write table 'o' to '{locked}/out.json': permission denied", stdout);
        Assert.EndsWith("exit=1\n", stdout);
        Assert.DoesNotContain("internal error", stdout);
    }

    /// <summary>
    /// A disk that fills mid-record fails the run naming the path; after space is freed the
    /// restart truncates the half-written record away and finishes: every row exactly once.
    /// </summary>
    [Fact]
    public void A_full_disk_fails_clearly_and_the_restart_leaves_no_half_written_record()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to mount a small tmpfs");
        using var dir = new TempDirectory();
        var small = dir.File("small");
        Directory.CreateDirectory(small);
        Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small);
        try
        {
            var input = dir.File("in.json");
            File.WriteAllLines(input, Enumerable.Range(0, 100).Select(i => $"{{\"counter\":{i}}}"));
            var output = Path.Combine(small, "out.json");
            var query = $"""
                CREATE TABLE events (counter BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{input}', format = 'json', type = 'source');
                {FileSink(output)}
                INSERT INTO o SELECT counter FROM events;
                """;
            string[] args = ["run", "-s", dir.File("state")];
            var first = ArroyoProcess.Run(args, stdin: query);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal(100, File.ReadAllLines(output).Length);

            // More input than the disk holds: the next run fails partway through a record.
            File.AppendAllLines(input, Enumerable.Range(100, 20_000).Select(i => $"{{\"counter\":{i}}}"));
            var full = ArroyoProcess.Run(args, stdin: query);
            Assert.Equal(1, full.ExitCode);
            Assert.Contains($"error: cannot write table 'o' to '{output}': no space left on the device", full.Stderr);
            Assert.DoesNotContain("internal error", full.Stderr);
            Assert.False(File.ReadAllText(output).EndsWith('\n'), "the disk should have filled mid-record");

            Run("mount", "-o", "remount,size=4m", small);
            var restarted = ArroyoProcess.Run(args, stdin: query);
            Assert.True(restarted.ExitCode == 0, restarted.ToString());
            var lines = File.ReadAllLines(output);
            var counters = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("counter").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(0, 20_100).Select(i => (long)i), counters.Order());
        }
        finally
        {
            Run("umount", small);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }

    /// <summary>Runs a bash script (a clean ARROYO__ environment), returning its exit code and stdout.</summary>
    private static (int Exit, string Stdout, string Stderr) Shell(TempDirectory dir, string script)
    {
        var info = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir.Path,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ARROYO__", StringComparison.Ordinal)).ToList()) info.Environment.Remove(key);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the script did not finish: " + script);
        }
        return (process.ExitCode, stdout, stderr.Result);
    }
}
