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
    public void Source_reads_once_from_one_subtask_and_resumes_after_its_offset()
    {
        File.WriteAllLines(Path.Combine(_dir, "in.json"), Enumerable.Range(0, 25).Select(i => $$"""{"n":{{i}},"s":"v{{i}}"}"""));
        var table = Table("in.json", "source");
        var settings = new RunSettings { BatchSize = 10 };
        var sources = Enumerable.Range(0, 3).Select(i => Source(table, Context(i, 3, settings: settings))).ToList();
        var output = new CollectingOutput();
        var statuses = sources.Select(s => s.Poll(output)).ToList();
        Assert.Equal(2, statuses.Count(s => s == SourceStatus.Finished));
        Assert.Equal(10, output.Batches.Sum(b => b.RowCount));
        var state = new MemoryState();
        foreach (var s in sources) s.OnCheckpoint(new CheckpointBarrier(1, true), state);

        var rest = Enumerable.Range(0, 2).SelectMany(i => Drain(Source(table, Context(i, 2, state.ReaderFor(i, 2), settings)))).ToList();
        Assert.Equal(Enumerable.Range(10, 15).Select(i => (long)i), ConnectorTestKit.Rows(rest).Select(r => (long)r[0]!));
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

    [Fact]
    public void Sink_truncates_to_the_checkpointed_length_on_restore()
    {
        var table = Table("out.json", "sink");
        var path = Path.Combine(_dir, "out.json");
        File.WriteAllText(path, "stale\n");
        var state = new MemoryState();
        var run1 = new RunSettings();
        var sink = Sink(table, Context(settings: run1));
        var output = new CollectingOutput();
        sink.OnBatch(Rows(0, 3), 0, output);
        sink.OnCheckpoint(new CheckpointBarrier(1, false), state, output);
        sink.OnBatch(Rows(3, 2), 0, output);
        sink.Close();
        Assert.Equal(5, File.ReadAllLines(path).Length);

        var sink2 = Sink(table, Context(settings: new RunSettings(), state: state.ReaderFor(0, 1)));
        Assert.Equal(["""{"n":0,"s":"v0"}""", """{"n":1,"s":"v1"}""", """{"n":2,"s":"v2"}"""], File.ReadAllLines(path));
        sink2.OnBatch(Rows(3, 2), 0, output);
        sink2.Close();
        Assert.Equal(5, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void Parallel_sink_subtasks_share_one_file_and_record_only_data_before_the_barrier()
    {
        var table = Table("par.json", "sink");
        var path = Path.Combine(_dir, "par.json");
        var run = new RunSettings();
        var state = new MemoryState();
        var output = new CollectingOutput();
        var a = Sink(table, Context(0, 2, settings: run));
        var b = Sink(table, Context(1, 2, settings: run));
        a.OnBatch(Rows(0, 2), 0, output);
        b.OnBatch(Rows(10, 2), 0, output);
        a.OnCheckpoint(new CheckpointBarrier(1, false), state, output);
        a.OnBatch(Rows(2, 2), 0, output); // after a's barrier: held until b arrives
        b.OnBatch(Rows(12, 1), 0, output); // before b's barrier
        b.OnCheckpoint(new CheckpointBarrier(1, false), state, output);
        a.OnTick(0, output);
        a.Close();
        b.Close();
        Assert.Equal(7, File.ReadAllLines(path).Length);
        var recorded = (PrimitiveColumn<long>)state.Tables["f"].Single().Columns[1];
        var before = File.ReadAllBytes(path).Take((int)recorded[0]).ToArray();
        var lines = Encoding.UTF8.GetString(before).TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains("\"n\":2,") || l.Contains("\"n\":3,"));
    }
}
