using System.Diagnostics;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>The live progress line (on a terminal only), log levels and log formats.</summary>
public sealed class ProgressAndLoggingTests
{
    private const string EraseLine = "\u001b[2K";

    // About three seconds of input, so the once-a-second status line is drawn at least twice.
    private const string Query = """
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '5000', message_count = '15000');
        CREATE TABLE out WITH (connector = 'blackhole');
        INSERT INTO out SELECT counter % 10 AS k, count(*) AS c FROM impulse GROUP BY tumble(interval '1 second'), counter % 10;
        """;

    [Fact]
    public void On_a_terminal_a_status_line_shows_rates_and_checkpoints()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query);
        var output = RunOnTerminal(dir, $"run -s '{dir.File("state")}' '{dir.File("q.sql")}'");
        Assert.Contains(EraseLine + "running ", output);
        Assert.Matches(@"running 0:0\d \| in \d+(\.\d+ k)?/s \| out \d+/s", output);
        Assert.Matches(@"\| (no checkpoint yet|checkpoint \d+ [\d.]+ m?s ago \()", output);
        Assert.Contains("pipeline finished", output);
        // The line is erased at the end: the last thing written is the erase sequence.
        Assert.EndsWith(EraseLine, output.TrimEnd('\r', '\n'));
    }

    [Fact]
    public void Quiet_or_a_redirected_stderr_has_no_status_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query);
        var quiet = RunOnTerminal(dir, $"run --quiet -s '{dir.File("quiet")}' '{dir.File("q.sql")}'");
        Assert.Contains("pipeline finished", quiet);
        Assert.DoesNotContain(EraseLine, quiet);

        var redirected = ArroyoProcess.Run(["run", "-s", dir.File("redirected"), dir.File("q.sql")]);
        Assert.True(redirected.ExitCode == 0, redirected.ToString());
        Assert.DoesNotContain("\u001b", redirected.Stderr);
        Assert.DoesNotContain("| in ", redirected.Stderr);
    }

    [Fact]
    public void Logging_level_and_json_format_come_from_the_configuration()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query.Replace("'15000'", "'10'"));
        var warnOnly = ArroyoProcess.Run(["run", "-s", dir.File("a"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__LOGGING__LEVEL"] = "warn" });
        Assert.True(warnOnly.ExitCode == 0, warnOnly.ToString());
        Assert.DoesNotContain(" INFO ", warnOnly.Stderr);

        var debug = ArroyoProcess.Run(["run", "-s", dir.File("b"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__LOGGING__LEVEL"] = "warn,arroyo=debug", ["ARROYO__LOGGING__FORMAT"] = "json" });
        Assert.True(debug.ExitCode == 0, debug.ToString());
        var lines = debug.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var json = JsonDocument.Parse(line).RootElement;
            Assert.Equal("arroyo", json.GetProperty("target").GetString());
            Assert.NotNull(json.GetProperty("fields").GetProperty("message").GetString());
        }
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.GetProperty("level").GetString() == "DEBUG");

        var bad = ArroyoProcess.Run(["run", "-s", dir.File("c"), dir.File("q.sql")],
            environment: new Dictionary<string, string> { ["ARROYO__LOGGING__LEVEL"] = "verbose" });
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("'verbose' is not a log level", bad.Stderr);
    }

    /// <summary>Runs the CLI under util-linux's <c>script</c>, so its stderr is a pseudo-terminal; returns what the terminal got.</summary>
    private static string RunOnTerminal(TempDirectory dir, string arguments)
    {
        var info = new ProcessStartInfo("script")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dir.Path,
        };
        foreach (var arg in new[] { "-qfec", $"dotnet '{ArroyoProcess.CliPath}' {arguments}", "/dev/null" }) info.ArgumentList.Add(arg);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ARROYO__", StringComparison.Ordinal)).ToList()) info.Environment.Remove(key);
        info.Environment["TERM"] = "xterm";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("arroyo under script did not exit");
        }
        var output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0, output);
        return output;
    }
}
