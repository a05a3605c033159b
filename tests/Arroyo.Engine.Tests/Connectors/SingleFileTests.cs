using System.Text;
using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors;

public sealed class SingleFileTests : IDisposable
{
    private static readonly Field[] s_fields = [new("n", DataType.Int64), new("s", DataType.Utf8)];
    private readonly string _dir = Directory.CreateTempSubdirectory("arroyo-single-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConnectorTable Table(string file, string type, params (string, string)[] extra) =>
        Bind("t", s_fields, [("connector", "single_file"), ("path", Path.Combine(_dir, file)), ("format", "json"), ("type", type), .. extra]);

    private static ISource Source(ConnectorTable table, OperatorContext context)
    {
        var source = BuiltIns.Connectors().RuntimeOf("single_file").CreateSource(new SourceSpec(table, table.SourceSchema()), context);
        source.Open(context);
        return source;
    }

    private static IOperator Sink(ConnectorTable table, OperatorContext context)
    {
        var sink = BuiltIns.Connectors().RuntimeOf("single_file").CreateSink(new SinkSpec(table, table.SourceSchema()), context);
        sink.Open(context);
        return sink;
    }

    private static Batch Rows(long from, int count)
    {
        var schema = SchemaOf(s_fields);
        return new Batch(schema,
        [
            new PrimitiveColumn<long>(DataType.Int64, Enumerable.Range(0, count).Select(i => from + i).ToArray()),
            StringColumn.FromStrings(Enumerable.Range(0, count).Select(i => (string?)$"v{from + i}").ToList()),
            new PrimitiveColumn<long>(DataType.Timestamp, new long[count]),
        ], count);
    }

    [Fact]
    public void Source_subtasks_read_their_part_once_and_resume_after_their_offsets()
    {
        File.WriteAllLines(Path.Combine(_dir, "in.json"), Enumerable.Range(0, 25).Select(i => $$"""{"n":{{i}},"s":"v{{i}}"}"""));
        var table = Table("in.json", "source");
        // Split into byte ranges (opt-in; by default subtask 0 reads the whole file, as the reference).
        var settings = new RunSettings
        {
            BatchSize = 4,
            Config = new Dictionary<string, string> { [Arroyo.Connectors.Builtin.SingleFile.SingleFileSource.SplitConfigKey] = "true" },
        };
        var sources = Enumerable.Range(0, 3).Select(i => Source(table, Context(i, 3, settings: settings))).ToList();
        var output = new CollectingOutput();
        var statuses = sources.Select(s => s.Poll(output)).ToList();
        Assert.All(statuses, s => Assert.Equal(SourceStatus.Continue, s));
        Assert.Equal(12, output.Batches.Sum(b => b.RowCount));
        var state = new MemoryState();
        foreach (var s in sources) s.OnCheckpoint(new CheckpointBarrier(1, true), state);

        var rest = Enumerable.Range(0, 2).SelectMany(i => Drain(Source(table, Context(i, 2, state.ReaderFor(i, 2), settings)))).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), ConnectorTestKit.Rows(output.Batches.Concat(rest)).Select(r => (long)r[0]!).Order());
    }

    [Fact]
    public void By_default_subtask_0_reads_the_whole_file_in_order_as_the_reference()
    {
        File.WriteAllLines(Path.Combine(_dir, "whole.json"), Enumerable.Range(0, 25).Select(i => $$"""{"n":{{i}},"s":"v{{i}}"}"""));
        var table = Table("whole.json", "source");
        var read = Enumerable.Range(0, 3).Select(i => ConnectorTestKit.Rows(Drain(Source(table, Context(i, 3)))).Select(r => (long)r[0]!).ToList()).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), read[0]);
        Assert.Empty(read[1]);
        Assert.Empty(read[2]);
    }

    [Fact]
    public void Source_applies_the_bad_data_policy()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.json"), "{\"n\":1}\nnot json\n\n{\"n\":2}");
        var drop = Drain(Source(Table("bad.json", "source", ("bad_data", "drop")), Context()));
        Assert.Equal([1L, 2L], ConnectorTestKit.Rows(drop).Select(r => (long)r[0]!));
        var error = Assert.Throws<Arroyo.Formats.BadDataException>(() => Drain(Source(Table("bad.json", "source"), Context())));
        Assert.Contains("line 2", error.Message);
    }

    private static readonly IStateReader s_restoredAtEpoch1 = new MemoryState().ReaderFor(0, 1);

    private static CommitData Data(bool replay, params byte[][] bySubtask) =>
        new(bySubtask.Select((data, subtask) => (data, subtask)).ToDictionary(x => x.subtask, x => x.data), replay);

    private string[] Lines(string file) => File.ReadAllLines(Path.Combine(_dir, file));

    private string[] StagingFiles() => Directory.GetFiles(_dir, ".*.staging").Select(Path.GetFileName).ToArray()!;

    [Fact]
    public void Sink_cuts_the_file_to_the_pre_committed_length_when_a_restore_replays_the_commit()
    {
        var table = Table("out.json", "sink");
        File.WriteAllText(Path.Combine(_dir, "out.json"), "stale\n");
        var output = new CollectingOutput();
        var sink = Sink(table, Context());
        Assert.Empty(Lines("out.json"));
        sink.OnBatch(Rows(0, 3), 0, output);
        var data = sink.PreCommit(new CheckpointBarrier(1, false))!;
        sink.OnCommit(1, Data(false, data));
        sink.OnBatch(Rows(3, 2), 0, output);
        sink.Close();
        Assert.Equal(5, Lines("out.json").Length);
        Assert.Empty(StagingFiles());

        // The rows after barrier 1 are not in checkpoint 1: the replayed commit cuts them, the replay writes them again.
        var sink2 = Sink(table, Context(state: s_restoredAtEpoch1));
        sink2.OnCommit(1, Data(true, data));
        Assert.Equal(["""{"n":0,"s":"v0"}""", """{"n":1,"s":"v1"}""", """{"n":2,"s":"v2"}"""], Lines("out.json"));
        sink2.OnBatch(Rows(3, 2), 0, output);
        sink2.Close();
        Assert.Equal(5, Lines("out.json").Length);
    }

    [Fact]
    public void Parallel_sink_subtasks_stage_their_rows_and_subtask_0_appends_them_at_the_commit()
    {
        var table = Table("par.json", "sink");
        var output = new CollectingOutput();
        var a = Sink(table, Context(0, 2));
        var b = Sink(table, Context(1, 2));
        a.OnBatch(Rows(0, 2), 0, output);
        b.OnBatch(Rows(10, 2), 0, output);
        var fromA = a.PreCommit(new CheckpointBarrier(1, false))!;
        a.OnBatch(Rows(2, 2), 0, output); // after a's barrier: staged until the commit
        b.OnBatch(Rows(12, 1), 0, output); // before b's barrier
        var fromB = b.PreCommit(new CheckpointBarrier(1, false))!;
        Assert.Equal(["""{"n":0,"s":"v0"}""", """{"n":1,"s":"v1"}"""], Lines("par.json"));

        b.OnCommit(1, Data(false, fromA, fromB));
        a.OnCommit(1, Data(false, fromA, fromB));
        Assert.Equal([0L, 1, 10, 11, 12, 2, 3], Lines("par.json").Select(l => long.Parse(l[5..l.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture)));
        a.OnBatch(Rows(4, 1), 0, output);
        a.Close();
        b.Close();
        Assert.Equal(8, Lines("par.json").Length);
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public void A_replayed_commit_finishes_what_a_run_that_died_before_or_during_its_commit_left()
    {
        var table = Table("died.json", "sink");
        var output = new CollectingOutput();
        var a = Sink(table, Context(0, 2));
        var b = Sink(table, Context(1, 2));
        a.OnBatch(Rows(0, 2), 0, output);
        b.OnBatch(Rows(10, 3), 0, output);
        byte[][] data = [a.PreCommit(new CheckpointBarrier(1, false))!, b.PreCommit(new CheckpointBarrier(1, false))!];
        a.OnBatch(Rows(2, 1), 0, output);
        b.OnBatch(Rows(13, 1), 0, output);
        // The manifest of 1 is durable, then the process dies half way through the commit (part of a record appended).
        a.Close();
        b.Close();
        var path = Path.Combine(_dir, "died.json");
        File.AppendAllText(path, "{\"n\":10,\"s");

        // Restored at parallelism 3: subtask 0 commits checkpoint 1 again, the others only clean up.
        var restored = Enumerable.Range(0, 3).Select(i => Sink(table, Context(i, 3, s_restoredAtEpoch1))).ToList();
        foreach (var sink in restored) sink.OnCommit(1, Data(true, data));
        var expected = new[] { 0L, 1, 10, 11, 12 };
        Assert.Equal(expected, Lines("died.json").Select(l => long.Parse(l[5..l.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var sink in restored) sink.Close();
        Assert.Empty(StagingFiles());

        // Dying again after that commit: the next replay finds the file committed and leaves it so.
        var full = File.ReadAllBytes(path);
        var again = Sink(table, Context(0, 1, s_restoredAtEpoch1));
        again.OnCommit(1, Data(true, data));
        again.Close();
        Assert.Equal(full, File.ReadAllBytes(path));
    }
}
