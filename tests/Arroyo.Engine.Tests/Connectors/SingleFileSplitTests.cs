using System.Text;
using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Builtin.SingleFile;
using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Engine.Tests.Connectors.Contract;
using Arroyo.Execution;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>A single file shared among subtasks by byte ranges: every line read once, wherever the file is cut and however often it is restored.</summary>
public sealed class SingleFileSplitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arroyo-split-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Contents => new()
    {
        { "lf", "{\"n\":1}\n{\"n\":22}\n{\"n\":333}\n" },
        { "crlf", "{\"n\":1}\r\n{\"n\":22}\r\n{\"n\":333}\r\n" },
        { "no final newline", "{\"n\":1}\n{\"n\":22}\n{\"n\":333}" },
        { "blank lines", "\n\n{\"n\":1}\n\n{\"n\":22}\n\n" },
        { "one line", "{\"n\":4444}" },
        { "empty", "" },
        { "only newlines", "\n\n\n" },
    };

    // The lines of the file as a reader of the whole file sees them (the last one without newline included).
    private static List<string> AllLines(string text)
    {
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    private string Write(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("n") + ".json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }

    private static List<string> ReadSplits(string path, params FileSplit[] splits)
    {
        using var reader = new SplitLineReader(new FileStream(path, FileMode.Open, FileAccess.Read));
        var lines = new List<string>();
        foreach (var split in splits)
        {
            reader.Begin(split);
            while (reader.TryReadLine(out var line, out var offset))
            {
                Assert.True(offset >= split.Start && offset < split.End, $"line at {offset} outside [{split.Start}, {split.End})");
                lines.Add(Encoding.UTF8.GetString(line));
            }
        }
        return lines;
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public void Every_cut_point_hands_out_each_line_exactly_once(string name, string text)
    {
        var path = Write(text);
        var expected = AllLines(text);
        for (var cut = 0; cut <= text.Length + 1; cut++)
        {
            Assert.True(expected.SequenceEqual(ReadSplits(path, new FileSplit(0, cut), new FileSplit(cut, FileSplit.ToEndOfFile))), $"{name}: cut at {cut}");
            for (var second = cut; second <= text.Length + 1; second++)
            {
                var three = ReadSplits(path, new FileSplit(0, cut), new FileSplit(cut, second), new FileSplit(second, FileSplit.ToEndOfFile));
                Assert.True(expected.SequenceEqual(three), $"{name}: cuts at {cut} and {second}");
            }
        }
    }

    [Fact]
    public void A_fresh_start_cuts_the_file_into_one_range_per_subtask_that_tile_it()
    {
        for (var parallelism = 1; parallelism <= 5; parallelism++)
        {
            var all = Enumerable.Range(0, parallelism).SelectMany(i => FileSplits.For(i, parallelism, [FileSplits.WholeFile], 1000)).OrderBy(s => s.Start).ToList();
            Assert.Equal(parallelism, all.Count);
            Assert.Equal(0, all[0].Start);
            Assert.Equal(FileSplit.ToEndOfFile, all[^1].End);
            for (var i = 1; i < all.Count; i++) Assert.Equal(all[i - 1].End, all[i].Start);
            Assert.All(all, s => Assert.InRange(s.Length(1000), 1000 / parallelism - 1, 1000 / parallelism + 1));
        }
    }

    [Fact]
    public void A_file_smaller_than_the_parallelism_gives_each_byte_at_most_one_subtask()
    {
        var mine = Enumerable.Range(0, 8).Select(i => FileSplits.For(i, 8, [FileSplits.WholeFile], 3)).ToList();
        var all = mine.SelectMany(m => m).OrderBy(s => s.Start).ToList();
        Assert.Equal(0, all[0].Start);
        for (var i = 1; i < all.Count; i++) Assert.Equal(all[i - 1].End, all[i].Start);
        Assert.Equal(FileSplit.ToEndOfFile, all[^1].End);
        Assert.Single(FileSplits.For(0, 3, [FileSplits.WholeFile], 0));
        Assert.Empty(FileSplits.For(1, 3, [FileSplits.WholeFile], 0));
    }

    [Fact]
    public void A_restore_recuts_only_what_is_left_and_drops_finished_ranges()
    {
        FileSplit[] left = [new(100, 100), new(400, 500), new(700, FileSplit.ToEndOfFile)];
        var all = Enumerable.Range(0, 4).SelectMany(i => FileSplits.For(i, 4, left, 1000)).OrderBy(s => s.Start).ToList();
        // Bytes 400-499 and 700-999 (and on to the end of the file), nothing else.
        Assert.Equal(400, all[0].Start);
        Assert.Equal(400, all.Sum(s => s.Length(1000)));
        Assert.DoesNotContain(all, s => s.Start < 400 || (s.Start >= 500 && s.Start < 700));
        Assert.Equal(FileSplit.ToEndOfFile, all[^1].End);
    }

    private ConnectorTable Table(string path, params (string, string)[] extra) =>
        Bind("t", [new Field("n", DataType.Int64)], [("connector", "single_file"), ("path", path), ("format", "json"), ("type", "source"), .. extra]);

    // Splitting is opt-in: by default one subtask reads the whole file, as the reference.
    private static readonly RunSettings s_split = new() { Config = new Dictionary<string, string> { [SingleFileSource.SplitConfigKey] = "true" } };

    private static ISource Source(ConnectorTable table, OperatorContext context)
    {
        var source = BuiltIns.Connectors().RuntimeOf("single_file").CreateSource(new SourceSpec(table, table.SourceSchema()), context);
        source.Open(context);
        return source;
    }

    private static List<long> Values(IEnumerable<Batch> batches) => ConnectorTestKit.Rows(batches).Select(r => (long)r[0]!).ToList();

    [Fact]
    public void Subtasks_read_disjoint_parts_and_a_checkpoint_restores_at_another_parallelism_exactly_once()
    {
        // Records of varying length (so the cut points land inside records), CRLF, no final newline.
        var text = string.Join("\r\n", Enumerable.Range(0, 300).Select(i => $$"""{"n":{{i}},"pad":"{{new string('x', i % 37)}}"}"""));
        var path = Write(text);
        var table = Table(path);
        var settings = new RunSettings { BatchSize = 7, Config = s_split.Config };
        foreach (var parallelism in new[] { 1, 2, 3, 7 })
        {
            var read = Enumerable.Range(0, parallelism).Select(i => Values(Drain(Source(table, Context(i, parallelism, settings: settings))))).ToList();
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), read.SelectMany(r => r).Order());
            if (parallelism > 1) Assert.All(read, r => Assert.NotEmpty(r));
        }

        // Three subtasks read a few batches each, checkpoint; restored at 2, then that at 5.
        var first = Enumerable.Range(0, 3).Select(i => Source(table, Context(i, 3, settings: settings))).ToList();
        var output = new CollectingOutput();
        foreach (var source in first)
        {
            for (var poll = 0; poll < 3; poll++) source.Poll(output);
        }
        var state = new MemoryState();
        foreach (var source in first) source.OnCheckpoint(new CheckpointBarrier(1, false), state);

        var second = Enumerable.Range(0, 2).Select(i => Source(table, Context(i, 2, state.ReaderFor(i, 2), settings))).ToList();
        foreach (var source in second) source.Poll(output);
        var state2 = new MemoryState();
        foreach (var source in second) source.OnCheckpoint(new CheckpointBarrier(2, false), state2);

        var rest = Enumerable.Range(0, 5).SelectMany(i => Drain(Source(table, Context(i, 5, state2.ReaderFor(i, 5), settings))));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), Values(output.Batches.Concat(rest)).Order());
    }

    [Fact]
    public void A_file_read_to_the_end_is_not_read_again_after_a_restore()
    {
        var path = Write("{\"n\":1}\n{\"n\":2}\n");
        var table = Table(path);
        var state = new MemoryState();
        var sources = Enumerable.Range(0, 2).Select(i => Source(table, Context(i, 2, settings: s_split))).ToList();
        Assert.Equal([1L, 2L], sources.SelectMany(s => Values(Drain(s))).Order());
        foreach (var source in sources) source.OnCheckpoint(new CheckpointBarrier(1, false), state);
        Assert.Empty(Enumerable.Range(0, 3).SelectMany(i => Drain(Source(table, Context(i, 3, state.ReaderFor(i, 3), s_split)))));
    }

    [Fact]
    public void A_checkpoint_of_the_unsplit_format_resumes_at_its_offset()
    {
        var path = Write("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
        var table = Table(path);
        var state = new MemoryState();
        var schema = new Schema([new Field("_key_hash", DataType.UInt64, false), new Field("offset", DataType.Int64, false), new Field("line", DataType.Int64, false)]);
        state.WriteTable(SingleFileSource.LegacyStateTable, new Batch(schema,
        [
            new Arroyo.Core.Columns.PrimitiveColumn<ulong>(DataType.UInt64, [Arroyo.Core.Partitioning.KeyHasher.HashString(path)]),
            new Arroyo.Core.Columns.PrimitiveColumn<long>(DataType.Int64, [8]),
            new Arroyo.Core.Columns.PrimitiveColumn<long>(DataType.Int64, [1]),
        ], 1));
        var rest = Enumerable.Range(0, 2).SelectMany(i => Drain(Source(table, Context(i, 2, state.ReaderFor(i, 2), s_split))));
        Assert.Equal([2L, 3L], Values(rest).Order());
    }

    [Fact]
    public void A_bad_record_in_a_later_split_is_reported_with_its_line_in_the_file()
    {
        var lines = Enumerable.Range(0, 50).Select(i => $$"""{"n":{{i}}}""").ToList();
        lines[41] = "{\"n\": oops}";
        var path = Write(string.Join('\n', lines) + "\n");
        var error = Assert.Throws<Arroyo.Formats.BadDataException>(() =>
        {
            foreach (var i in Enumerable.Range(0, 2)) Drain(Source(Table(path), Context(i, 2, settings: s_split)));
        });
        Assert.Contains("line 42", error.Message);
    }

    [Fact]
    public async Task A_query_at_parallelism_2_gives_exactly_the_output_at_parallelism_1_and_across_a_restore_at_3()
    {
        var input = Write(string.Join('\n', Enumerable.Range(0, 2000).Select(i => $$"""{"n":{{i}},"k":{{i % 7}},"s":"r\u00e9cord \"{{i}}\""}""")));
        var run = new HostedRun(BuiltIns.Connectors());
        async Task<List<string>> Collect(string name, params int[] parallelisms)
        {
            var output = Path.Combine(_dir, name + ".json");
            var query = $"""
                CREATE TABLE src (n BIGINT, k BIGINT, s TEXT) WITH (connector = 'single_file', path = '{input}', format = 'json', type = 'source');
                CREATE TABLE out WITH (connector = 'single_file', path = '{output}', format = 'json', type = 'sink');
                INSERT INTO out SELECT n, k, s FROM src WHERE n % 3 <> 0;
                """;
            var state = Path.Combine(_dir, name + "-state");
            foreach (var p in parallelisms[..^1]) Assert.True(await run.RunAndStopAfterAsync(query, state, p, rows: 300));
            var last = await run.RunToEndAsync(query, state, parallelisms[^1]);
            if (parallelisms.Length > 1) Assert.NotNull(last.RestoredEpoch);
            return File.ReadAllLines(output).Order(StringComparer.Ordinal).ToList();
        }
        var one = await Collect("p1", 1);
        Assert.Equal(2000 - 667, one.Count);
        Assert.Equal(one, await Collect("p2", 2));
        Assert.Equal(one, await Collect("p2-stop-p3", 2, 3));
    }
}
