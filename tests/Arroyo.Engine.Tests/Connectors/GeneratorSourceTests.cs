using Arroyo.Cli.Composition;
using Arroyo.Connectors.Builtin.Impulse;
using Arroyo.Connectors.Builtin.Nexmark;
using Arroyo.Connectors;
using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Execution;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors;

public sealed class GeneratorSourceTests
{
    private static ISource Create(ConnectorTable table, OperatorContext context)
    {
        var source = BuiltIns.Connectors().RuntimeOf(table.Connector).CreateSource(new SourceSpec(table, table.SourceSchema()), context);
        source.Open(context);
        return source;
    }

    [Fact]
    public void Impulse_counts_per_subtask_with_event_time_interval()
    {
        var table = Bind("impulse", [], ("connector", "impulse"), ("event_rate", "1000000"), ("message_count", "10"), ("event_time_interval", "200000000"));
        for (var subtask = 0; subtask < 2; subtask++)
        {
            var rows = Rows(Drain(Create(table, Context(subtask, 2))));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), rows.Select(r => (ulong)r[0]!));
            Assert.All(rows, r => Assert.Equal((ulong)subtask, r[1]));
            var times = rows.Select(r => (long)r[2]!).ToArray();
            Assert.All(times.Skip(1).Zip(times), p => Assert.Equal(200_000_000L, p.First - p.Second));
        }
    }

    [Fact]
    public void Impulse_is_rate_limited_and_restores_its_counter()
    {
        var table = Bind("impulse", [], ("connector", "impulse"), ("event_rate", "200"), ("message_count", "30"));
        var context = Context(0, 1);
        var source = Create(table, context);
        var output = new CollectingOutput();
        var started = DateTime.UtcNow;
        while (Rows(output.Batches).Count < 10) if (source.Poll(output) == SourceStatus.Idle) Thread.Sleep(1);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(35));
        var state = new MemoryState();
        source.OnCheckpoint(new CheckpointBarrier(1, false), state);
        var emitted = Rows(output.Batches).Count;

        var restored = Create(table, Context(0, 1, state.ReaderFor(0, 1)));
        var rest = Rows(Drain(restored));
        Assert.Equal(Enumerable.Range(emitted, 30 - emitted).Select(i => (ulong)i), rest.Select(r => (ulong)r[0]!));
    }

    [Theory]
    [InlineData("impulse", "2000000")]
    [InlineData("nexmark", "500000")] // slow enough for the generator to keep up
    public void A_source_that_keeps_up_with_its_rate_emits_whole_batches(string connector, string rate)
    {
        // Each batch short of a full one goes out only once its oldest row has waited 1 ms, and
        // that row came due after the last batch: so however fast or slow this machine polls,
        // there are at most as many short batches as milliseconds passed (plus the last one).
        // Emitting whatever is due at every poll made thousands of batches of a few rows here.
        var table = Bind(connector, [], ("connector", connector), ("event_rate", rate), ("message_count", "300000"));
        var source = Create(table, Context(0, 1));
        var output = new CollectingOutput();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = SourceStatus.Continue;
        while (status != SourceStatus.Finished)
        {
            status = source.Poll(output);
            if (status == SourceStatus.Idle) Thread.Sleep(1);
        }
        var elapsedMs = clock.Elapsed.TotalMilliseconds;
        var full = output.Batches.Max(b => b.RowCount);
        var rows = output.Batches.Sum(b => b.RowCount);
        Assert.Equal(300_000, rows);
        var shortBatches = output.Batches.Count(b => b.RowCount < full);
        Assert.True(shortBatches <= elapsedMs + 2, $"{shortBatches} short batches in {elapsedMs:F0} ms (full: {full} rows)");
    }

    [Fact]
    public void Nexmark_is_deterministic_and_keeps_the_proportions()
    {
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000000000"), ("message_count", "5000"));
        var first = Rows(Drain(Create(table, Context())));
        var second = Rows(Drain(Create(table, Context())));
        Assert.Equal(5000, first.Count);
        var persons = first.Count(r => r[0] is not null);
        var auctions = first.Count(r => r[1] is not null);
        var bids = first.Count(r => r[2] is not null);
        Assert.Equal(100, persons);
        Assert.Equal(300, auctions);
        Assert.Equal(4600, bids);
        Assert.All(first, r => Assert.Equal(1, r.Take(3).Count(v => v is not null)));
        // Timestamps depend on the start time; everything else is the same in every run.
        static string Strip(object?[] row) => string.Join("|", row.Take(3).Select(v => v is object?[] s ? string.Join(",", s.Where(x => x is not long l || l < 1_000_000_000_000_000)) : "-"));
        Assert.Equal(first.Select(Strip), second.Select(Strip));
        var bid = (object?[])first.First(r => r[2] is not null)[2]!;
        Assert.True((long)bid[0]! >= 1000 && (long)bid[1]! >= 1000 && (long)bid[2]! >= 100);
        Assert.Equal(168, ((string)bid[6]!).Length);
    }

    [Fact]
    public void Nexmark_restores_at_another_parallelism_without_loss_or_repeat()
    {
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000000000"), ("message_count", "3000"));
        var state = new MemoryState();
        var firstRun = new List<Batch>();
        for (var subtask = 0; subtask < 2; subtask++)
        {
            var source = Create(table, Context(subtask, 2, settings: new RunSettings { BatchSize = 500 }));
            var output = new CollectingOutput();
            source.Poll(output);
            source.OnCheckpoint(new CheckpointBarrier(1, true), state);
            firstRun.AddRange(output.Batches);
        }
        var secondRun = new List<Batch>();
        for (var subtask = 0; subtask < 3; subtask++)
        {
            secondRun.AddRange(Drain(Create(table, Context(subtask, 3, state.ReaderFor(subtask, 3)))));
        }
        var ids = Rows(firstRun.Concat(secondRun)).Select(r => r[2] is object?[] b ? $"b{b[5]}-{b[0]}-{b[1]}" : r[1] is object?[] a ? $"a{a[0]}" : $"p{((object?[])r[0]!)[0]}").ToList();
        Assert.Equal(3000, ids.Count);
        Assert.Equal(3000 * 4 / 50, ids.Count(i => i[0] != 'b'));
        Assert.Equal(ids.Count(i => i[0] != 'b'), ids.Where(i => i[0] != 'b').Distinct().Count());
    }

    [Fact]
    public void Nexmark_drains_a_large_count_exactly()
    {
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000000000"), ("message_count", "400000"));
        var source = Create(table, Context(settings: new RunSettings { BatchSize = 8192 }));
        var batches = Drain(source);
        Assert.Equal(400_000, batches.Sum(b => b.RowCount));
        Assert.All(batches, b => Assert.True(b.RowCount <= 8192));
    }

    [Theory]
    [InlineData(new[] { 2 }, 4600)]
    [InlineData(new[] { 0, 1 }, 400)]
    public void Nexmark_skips_the_rows_every_reader_filters_out_without_changing_the_others(int[] kinds, int expected)
    {
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000000000"), ("message_count", "5000"));
        var schema = table.SourceSchema();
        var usage = new Arroyo.Dataflow.ColumnUsage(Enumerable.Repeat<Arroyo.Dataflow.FieldUsage?>(Arroyo.Dataflow.FieldUsage.All, schema.Count).ToArray())
        {
            RowsWithAnyNonNull = kinds.ToHashSet(),
        };
        var context = Context(settings: new RunSettings { BatchSize = 700 });
        var pruned = BuiltIns.Connectors().RuntimeOf("nexmark").CreateSource(new SourceSpec(table, schema) { Usage = usage }, context);
        pruned.Open(context);
        var rows = Rows(Drain(pruned));
        var all = Rows(Drain(Create(table, Context(settings: new RunSettings { BatchSize = 700 }))));

        static string Strip(object?[] row) => string.Join("|", row.Take(3).Select(v => v is object?[] s ? string.Join(",", s.Where(x => x is not long l || l < 1_000_000_000_000_000)) : "-"));
        var wanted = all.Where(r => kinds.Any(k => r[k] is not null)).ToList();
        Assert.Equal(expected, rows.Count);
        Assert.Equal(wanted.Select(Strip), rows.Select(Strip));
        // The runs start at different times; the spacing of the kept rows' timestamps is the same.
        Assert.Equal(wanted.Select(r => (long)r[3]! - (long)wanted[0][3]!), rows.Select(r => (long)r[3]! - (long)rows[0][3]!));
    }

    [Fact]
    public void Nexmark_fills_batches_with_rows_when_it_skips_kinds()
    {
        // Persons and auctions only: 4 rows in every 50 events, so a poll takes 12.5 batch sizes of events.
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000000000"), ("message_count", "100000"));
        var schema = table.SourceSchema();
        var usage = new Arroyo.Dataflow.ColumnUsage(Enumerable.Repeat<Arroyo.Dataflow.FieldUsage?>(Arroyo.Dataflow.FieldUsage.All, schema.Count).ToArray())
        {
            RowsWithAnyNonNull = new HashSet<int> { 0, 1 },
        };
        var context = Context(settings: new RunSettings { BatchSize = 1000 });
        var source = BuiltIns.Connectors().RuntimeOf("nexmark").CreateSource(new SourceSpec(table, schema) { Usage = usage }, context);
        source.Open(context);
        var batches = Drain(source);
        Assert.Equal(8000, batches.Sum(b => b.RowCount));
        Assert.All(batches, b => Assert.True(b.RowCount <= 1000));
        // Pacing may cut the first poll short; after it every poll is due in full. One batch size of
        // events per poll would make at least 100 batches.
        Assert.InRange(batches.Count, 8, 12);
    }
}
