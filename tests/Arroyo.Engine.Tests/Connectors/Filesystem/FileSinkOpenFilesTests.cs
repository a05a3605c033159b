using System.Text.Json;
using Arroyo.Connectors;
using Arroyo.Connectors.Filesystem;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Connectors.Filesystem.Sink;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.State;
using ParquetSharp;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>
/// The filesystem sink keeps files open across checkpoints, as the reference: checkpoints do not
/// cut files, the rolling policy does (size, interval, inactivity), and a file left open at a
/// checkpoint is ended, on restore, with exactly the rows that checkpoint holds. Driven barrier
/// by barrier on a local directory, with the sink's clock set by the test.
/// </summary>
public sealed class FileSinkOpenFilesTests : IDisposable
{
    private static readonly Field[] s_fields = [new("n", DataType.Int64), new("s", DataType.Utf8)];
    private static readonly IStateReader s_restoredAtEpoch1 = new MemoryState().ReaderFor(0, 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("arroyo-file-sink-").FullName;
    private long _now;
    private long _epoch;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileSink Sink(string format, IStateReader? state = null, params (string, string)[] extra) => Sink(format, _dir, state, extra);

    private FileSink Sink(string format, string path, IStateReader? state, params (string, string)[] extra)
    {
        var table = Bind("out", s_fields, [("connector", "filesystem"), ("type", "sink"), ("path", path), ("format", format), .. extra]);
        var sink = new FileSink(table, table.SourceSchema(), ((FilesystemSinkConfig)table.Config).Settings, null) { Clock = () => _now };
        sink.Open(Context(state: state));
        return sink;
    }

    private static Batch Rows(long from, int count, int width = 8)
    {
        var pad = new string('x', width);
        return new Batch(SchemaOf(s_fields),
        [
            new PrimitiveColumn<long>(DataType.Int64, Enumerable.Range(0, count).Select(i => from + i).ToArray()),
            StringColumn.FromStrings(Enumerable.Range(0, count).Select(i => (string?)$"{pad}{from + i}").ToList()),
            new PrimitiveColumn<long>(DataType.Timestamp, new long[count]),
        ], count);
    }

    /// <summary>One whole checkpoint: barrier, pre-commit, commit; returns what was pre-committed.</summary>
    private byte[]? Checkpoint(FileSink sink, bool thenStop = false)
    {
        var epoch = ++_epoch;
        var data = sink.PreCommit(new CheckpointBarrier(epoch, thenStop));
        sink.OnCommit(epoch, new CommitData(data is null ? new Dictionary<int, byte[]>() : new() { [0] = data }, IsReplay: false));
        return data;
    }

    private List<string> Visible() => Visible(_dir);

    private static List<string> Visible(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetRelativePath(dir, f).StartsWith('.'))
        .Order(StringComparer.Ordinal).ToList();

    private bool UploadsLeft() =>
        Directory.Exists(Path.Combine(_dir, ".arroyo-uploads")) && Directory.EnumerateDirectories(Path.Combine(_dir, ".arroyo-uploads")).Any();

    private static List<long> Numbers(string file)
    {
        if (file.EndsWith(".json", StringComparison.Ordinal))
        {
            return File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("n").GetInt64()).ToList();
        }
        using var reader = new ParquetFileReader(file);
        var numbers = new List<long>();
        for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            using var column = group.Column(0).LogicalReader<long?>();
            numbers.AddRange(column.ReadAll(checked((int)group.MetaData.NumRows)).Select(v => v!.Value));
        }
        return numbers;
    }

    private List<long> AllNumbers() => Visible().SelectMany(Numbers).Order().ToList();

    private static List<long> Range(long from, int count) => Enumerable.Range(0, count).Select(i => from + i).ToList();

    [Theory]
    [InlineData("parquet")]
    [InlineData("json")]
    public void Without_a_rolling_policy_one_file_spans_every_checkpoint_until_the_stop(string format)
    {
        var sink = Sink(format);
        var output = new CollectingOutput();
        for (var i = 0; i < 5; i++)
        {
            sink.OnBatch(Rows(i * 100, 100), 0, output);
            Assert.NotNull(Checkpoint(sink));
            Assert.Empty(Visible());
        }
        Checkpoint(sink, thenStop: true);
        var file = Assert.Single(Visible());
        Assert.Equal(Range(0, 500), Numbers(file));
        Assert.False(UploadsLeft());
        if (format == "parquet")
        {
            // One row group per checkpoint interval: each barrier closes the current one.
            using var reader = new ParquetFileReader(file);
            Assert.Equal(5, reader.FileMetaData.NumRowGroups);
            Assert.Equal(500, reader.FileMetaData.NumRows);
            // Each barrier ends the row group before the segment's close, which then ends an
            // empty one; the file's footer leaves those out.
            for (var g = 0; g < 5; g++)
            {
                using var group = reader.RowGroup(g);
                Assert.Equal(100, group.MetaData.NumRows);
            }
        }
        sink.Close();
    }

    [Theory]
    [InlineData("parquet")]
    [InlineData("json")]
    public void File_size_rolls_files_whatever_the_checkpoints(string format)
    {
        // The same rows with a checkpoint after every batch and after every seventh.
        var often = Rolled(format, checkpointEvery: 1);
        var seldom = Rolled(format, checkpointEvery: 7);
        Assert.True(seldom.Count >= 3, $"{seldom.Count} file(s)");
        Assert.Equal(Range(0, 8000), often.SelectMany(f => f.Numbers).Order());
        Assert.Equal(Range(0, 8000), seldom.SelectMany(f => f.Numbers).Order());
        if (format == "json")
        {
            // Lines are sized as written: the very same files, each but the one the stop ended past the size.
            Assert.Equal(often.Select(f => f.Numbers), seldom.Select(f => f.Numbers));
            Assert.True(often.Count(f => f.Bytes < 16 * 1024) <= 1, string.Join(", ", often.Select(f => f.Bytes)));
        }
        else
        {
            // Parquet's unwritten row group counts by its in-memory size, a written one by its compressed
            // bytes, so a barrier (which writes the row group) changes the measure: never into more files.
            Assert.True(often.Count <= seldom.Count, $"{often.Count} files with a checkpoint per batch, {seldom.Count} with one per seven");
        }
    }

    private List<(List<long> Numbers, long Bytes)> Rolled(string format, int checkpointEvery)
    {
        var path = Path.Combine(_dir, $"every-{checkpointEvery}");
        var sink = Sink(format, path, null, ("rolling_policy.file_size", "16KB"));
        var output = new CollectingOutput();
        for (var i = 0; i < 40; i++)
        {
            sink.OnBatch(Rows(i * 200, 200, width: 24), 0, output);
            if (i % checkpointEvery == 0) Checkpoint(sink);
        }
        Checkpoint(sink, thenStop: true);
        sink.Close();
        return Visible(path).Select(f => (Numbers(f), new FileInfo(f).Length)).OrderBy(f => f.Item1[0]).ToList();
    }

    [Theory]
    [InlineData("parquet")]
    [InlineData("json")]
    public void Interval_rolls_a_file_once_it_is_that_old_not_at_each_checkpoint(string format)
    {
        var sink = Sink(format, null, ("rolling_policy.interval", "10s"));
        var output = new CollectingOutput();
        // A batch every second and a checkpoint every second, for 25 s: files open at 0 s, 10 s, 20 s.
        for (var second = 0; second < 25; second++)
        {
            _now = second * 1000L;
            sink.OnTick(_now * 1_000_000, output);
            sink.OnBatch(Rows(second * 10, 10), 0, output);
            Checkpoint(sink);
        }
        Assert.Equal(2, Visible().Count);
        Checkpoint(sink, thenStop: true);
        var files = Visible();
        Assert.Equal(3, files.Count);
        Assert.Equal([100, 100, 50], files.Select(f => Numbers(f).Count).Order().Reverse().ToArray());
        Assert.Equal(Range(0, 250), AllNumbers());
        sink.Close();
    }

    [Theory]
    [InlineData("parquet")]
    [InlineData("json")]
    public void Inactivity_rolls_a_file_left_without_rows_that_long(string format)
    {
        var sink = Sink(format, null, ("rolling_policy.inactivity_interval", "5s"));
        var output = new CollectingOutput();
        foreach (var second in new[] { 0, 1, 2, 3 })
        {
            _now = second * 1000L;
            sink.OnTick(_now * 1_000_000, output);
            sink.OnBatch(Rows(second * 10, 10), 0, output);
            Checkpoint(sink);
        }
        _now = 7_000;
        sink.OnTick(_now * 1_000_000, output);
        Checkpoint(sink);
        Assert.Empty(Visible());
        _now = 8_000;
        sink.OnTick(_now * 1_000_000, output);
        Checkpoint(sink);
        Assert.Equal(Range(0, 40), Numbers(Assert.Single(Visible())));
        _now = 9_000;
        sink.OnBatch(Rows(40, 10), 0, output);
        Checkpoint(sink, thenStop: true);
        Assert.Equal(2, Visible().Count);
        Assert.Equal(Range(0, 50), AllNumbers());
        sink.Close();
    }

    [Theory]
    [InlineData("parquet", 8, 1_000)]
    [InlineData("json", 8, 1_000)]
    // Over 5 MiB before the checkpoint and after it: parts uploaded after the checkpoint are left out.
    [InlineData("json", 60, 120_000)]
    [InlineData("parquet", 60, 120_000)]
    public void A_restore_ends_a_file_left_open_with_exactly_the_rows_of_its_checkpoint(string format, int width, int rows)
    {
        // The smallest part size (the default is 32 MiB), so the larger cases upload parts.
        var sink = Sink(format, null, ("parquet.row_group_size", "1MB"), ("multipart.target_part_size", "5242880"));
        var output = new CollectingOutput();
        sink.OnBatch(Rows(0, rows / 2, width), 0, output);
        sink.OnBatch(Rows(rows / 2, rows / 2, width), 0, output);
        var data = Checkpoint(sink)!;
        Assert.Single(FileCommit.Decode(data).Open);
        // The failed run goes on writing into the same upload, then dies.
        for (var i = 0; i < 3; i++) sink.OnBatch(Rows(rows + i * rows, rows, width), 0, output);
        sink.Close();
        Assert.Empty(Visible());

        var restored = Sink(format, s_restoredAtEpoch1);
        restored.OnCommit(1, new CommitData(new Dictionary<int, byte[]> { [0] = data }, IsReplay: true));
        _epoch = 1;
        restored.OnBatch(Rows(rows, 5, width), 0, output);
        Checkpoint(restored, thenStop: true);
        var files = Visible();
        Assert.Equal(2, files.Count);
        Assert.Contains(files, f => Numbers(f).SequenceEqual(Range(0, rows)));
        Assert.Equal(Range(0, rows + 5), AllNumbers());
        Assert.False(UploadsLeft());
        restored.Close();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("parquet")]
    public void A_checkpoint_sends_held_bytes_of_a_part_or_more_first_so_it_carries_less_than_a_part(string format)
    {
        // The default part size (32 MiB); about 7 MB of rows held back when the barrier comes.
        var sink = Sink(format, null, ("parquet.row_group_size", "1MB"), ("parquet.compression", "uncompressed"));
        var output = new CollectingOutput();
        sink.OnBatch(Rows(0, 100_000, 60), 0, output);
        var data = Checkpoint(sink)!;
        var open = Assert.Single(FileCommit.Decode(data).Open);
        Assert.Single(open.Parts);
        Assert.True(open.Trailer.Length < FileSinkSettings.MinimumPartSize, $"the checkpoint carries {open.Trailer.Length} bytes");
        sink.OnBatch(Rows(100_000, 1_000, 60), 0, output);
        sink.Close();

        var restored = Sink(format, s_restoredAtEpoch1);
        restored.OnCommit(1, new CommitData(new Dictionary<int, byte[]> { [0] = data }, IsReplay: true));
        _epoch = 1;
        Checkpoint(restored, thenStop: true);
        Assert.Equal(Range(0, 100_000), Numbers(Assert.Single(Visible())));
        Assert.False(UploadsLeft());
        restored.Close();
    }

    [Fact]
    public void On_a_local_directory_a_checkpoint_ends_the_bytes_written_so_far_as_a_part_and_carries_none_of_them()
    {
        // A local directory takes parts a piece at a time: rows are written into the upload as
        // they come, with no part buffer, so there are no held bytes for the checkpoint to carry.
        var sink = Sink("json");
        var output = new CollectingOutput();
        sink.OnBatch(Rows(0, 1_000), 0, output);
        var open = Assert.Single(FileCommit.Decode(Checkpoint(sink)!).Open);
        Assert.Empty(open.Trailer);
        Assert.Equal(open.UploadedBytes, Assert.Single(open.Parts).Size);
        sink.OnBatch(Rows(1_000, 10), 0, output);
        Checkpoint(sink, thenStop: true);
        Assert.Equal(Range(0, 1_010), Numbers(Assert.Single(Visible())));
        Assert.False(UploadsLeft());
        sink.Close();
    }

    [Fact]
    public void Replaying_the_restore_twice_ends_the_open_file_once()
    {
        var sink = Sink("parquet");
        var output = new CollectingOutput();
        sink.OnBatch(Rows(0, 100), 0, output);
        var data = Checkpoint(sink)!;
        sink.Close();

        // The first restore dies before its next checkpoint commits; the second ends the file again.
        var first = Sink("parquet", s_restoredAtEpoch1);
        first.OnCommit(1, new CommitData(new Dictionary<int, byte[]> { [0] = data }, IsReplay: true));
        first.Close();
        var second = Sink("parquet", s_restoredAtEpoch1);
        second.OnCommit(1, new CommitData(new Dictionary<int, byte[]> { [0] = data }, IsReplay: true));
        _epoch = 1;
        Checkpoint(second, thenStop: true);
        Assert.Equal(Range(0, 100), Numbers(Assert.Single(Visible())));
        Assert.False(UploadsLeft());
        second.Close();
    }
}
