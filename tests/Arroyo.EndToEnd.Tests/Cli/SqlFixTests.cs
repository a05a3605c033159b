using System.Text;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>SQL the reference accepts or refuses, and input it treats as bad, through the real CLI.</summary>
public sealed class SqlFixTests
{
    [Fact]
    public void Having_may_name_a_select_alias_as_in_the_reference_docs()
    {
        using var dir = new TempDirectory();
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '10');
            SELECT counter % 3 AS k, count(*) AS rows FROM impulse GROUP BY k HAVING rows < 4 AND k > 0;
            """);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        // k = 0 has 4 rows (0, 3, 6, 9), k = 1 and k = 2 have 3; the updating result (debezium on
        // stdout) folded to its last row per key is what is left.
        var last = Lines(outcome.Stdout).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("after"))
            .GroupBy(e => e.GetProperty("k").GetInt64()).ToDictionary(g => g.Key, g => g.Last().GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<long, long> { [1] = 3, [2] = 3 }, last);
    }

    [Fact]
    public void Event_time_field_on_a_text_column_is_a_planning_error_with_table_and_column()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.json"), "{\"id\":1,\"at\":\"yesterday\"}\n");
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE events (id BIGINT, at TEXT) WITH (connector = 'single_file', path = '{dir.File("in.json")}',
              format = 'json', type = 'source', event_time_field = 'at');
            SELECT id FROM events;
            """);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("error at line 2, column 56: event time field 'at' of table events has type TEXT, but event time must be a TIMESTAMP", outcome.Stderr);
        Assert.Contains("hint: declare the column as TIMESTAMP", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Theory]
    [InlineData("json", "id, name", "fail")]
    [InlineData("json", "id", "fail")]
    [InlineData("json", "id, name", "drop")]
    [InlineData("raw_string", "value", "fail")]
    [InlineData("raw_string", "value", "drop")]
    public void Invalid_utf8_in_input_is_a_bad_record_never_written_out(string format, string columns, string badData)
    {
        using var dir = new TempDirectory();
        var input = dir.File("in.txt");
        var lines = format == "json"
            ? new[] { "{\"id\":1,\"name\":\"ok\"}", "{\"id\":2,\"name\":\"bad\u00ff\"}", "{\"id\":3,\"name\":\"fine\"}" }
            : ["ok", "bad\u00ff", "fine"];
        // \u00ff stands for the single byte 0xff: invalid UTF-8 on its own.
        File.WriteAllBytes(input, lines.SelectMany(l => l.Select(c => (byte)c).Append((byte)'\n')).ToArray());
        var schema = format == "json" ? "id BIGINT, name TEXT" : "value TEXT";
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state")], stdin: $"""
            CREATE TABLE t ({schema}) WITH (connector = 'single_file', path = '{input}', format = '{format}', type = 'source', bad_data = '{badData}');
            SELECT {columns} FROM t;
            """);
        var stdout = Encoding.UTF8.GetBytes(outcome.Stdout);
        Assert.True(System.Text.Unicode.Utf8.IsValid(stdout));
        Assert.DoesNotContain("\uFFFD", outcome.Stdout);
        foreach (var line in Lines(outcome.Stdout)) JsonDocument.Parse(line);
        if (badData == "fail")
        {
            Assert.Equal(1, outcome.ExitCode);
            Assert.Contains($"error: bad data in {input} line 2 (table 't'): the record is not valid UTF-8", outcome.Stderr);
        }
        else
        {
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
            Assert.Equal(2, Lines(outcome.Stdout).Length);
            Assert.Contains("dropped 1 records of", outcome.Stderr);
        }
    }

    /// <summary>
    /// A changed key of an updating aggregate is one "u" record with before and after, as the
    /// reference writes it (it was a "d" then a "c"). Run twice on one state dir, input appended
    /// between, so the second run changes keys the first emitted.
    /// </summary>
    [Fact]
    public void Debezium_output_writes_a_changed_key_as_one_update()
    {
        using var dir = new TempDirectory();
        var input = dir.File("in.json");
        var output = dir.File("out.json");
        File.WriteAllText(input, "{\"k\":\"a\"}\n{\"k\":\"b\"}\n{\"k\":\"a\"}\n");
        var query = $"""
            CREATE TABLE events (k TEXT) WITH (connector = 'single_file', path = '{input}', format = 'json', type = 'source');
            CREATE TABLE counts (k TEXT, n BIGINT) WITH (connector = 'single_file', path = '{output}', format = 'debezium_json', type = 'sink');
            INSERT INTO counts SELECT k, count(*) FROM events GROUP BY k;
            """;
        string[] args = ["run", "-s", dir.File("state")];
        var first = ArroyoProcess.Run(args, stdin: query);
        Assert.True(first.ExitCode == 0, first.ToString());
        File.AppendAllText(input, "{\"k\":\"a\"}\n{\"k\":\"c\"}\n");
        var second = ArroyoProcess.Run(args, stdin: query);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(
        [
            """{"before":null,"after":{"k":"a","n":2},"op":"c"}""",
            """{"before":null,"after":{"k":"b","n":1},"op":"c"}""",
            """{"before":{"k":"a","n":2},"after":{"k":"a","n":3},"op":"u"}""",
            """{"before":null,"after":{"k":"c","n":1},"op":"c"}""",
        ], File.ReadAllLines(output));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
