using Arroyo.Engine.Tests.Expressions;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.SessionAggregate;
using Arroyo.Operators.UpdatingAggregate;
using Arroyo.Operators.UpdatingJoin;
using Arroyo.Operators.WindowFunction;
using Arroyo.Operators.WindowedJoin;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

public sealed class StatefulOperatorTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64)]);

    private static readonly Schema UpdatingInput = new([
        new Field("k", DataType.Utf8), new Field("v", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema UpdatingOutput = new([
        new Field("k", DataType.Utf8), new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly AggregateCall[] CountSum =
    [
        TestFunctions.Aggregate(UpdatingInput, "count", [], "cnt"),
        TestFunctions.Aggregate(UpdatingInput, "sum", [1], "total"),
    ];

    [Fact]
    public void UpdatingAggregateKeepsItsStateAtTheEndOfInputWatermark()
    {
        // Upstream updating operators flush their last changes after the +∞ watermark; the
        // state they update must still be there (the TTL is not exceeded by end of input).
        var op = new UpdatingAggregateOperator(new UpdatingAggregateSpec(UpdatingInput, [0], CountSum, UpdatingOutput, TimeSpan.FromHours(24)), TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(UpdatingInput, ["a", 1L, false, 1L]), 0, output);
        op.OnTick(1, output);
        op.OnWatermark(Arroyo.Execution.Watermark.Max, output);
        op.OnTick(long.MaxValue / 2, output);
        op.OnBatch(Of(UpdatingInput, ["a", 2L, false, 2L]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["a|1|1|False|1", "a|1|1|True|1", "a|2|3|False|2"], output.RowStrings());
    }

    [Fact]
    public void UpdatingAggregateRetractsThePreviousRowAndHandlesUpdatingInput()
    {
        var op = new UpdatingAggregateOperator(new UpdatingAggregateSpec(UpdatingInput, [0], CountSum, UpdatingOutput, TimeSpan.FromHours(24)), TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(UpdatingInput, ["a", 1L, false, 1L], ["a", 2L, false, 2L], ["b", 5L, false, 3L]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["a|2|3|False|2", "b|1|5|False|3"], output.RowStrings());

        output = new CollectingOutput();
        op.OnBatch(Of(UpdatingInput, ["a", 2L, true, 4L], ["b", 5L, true, 5L]), 0, output);
        op.OnEnd(output);
        Assert.Equal(["a|1|1|False|4", "a|2|3|True|2", "b|1|5|True|3"], output.RowStrings());
    }

    [Fact]
    public void UpdatingAggregateRestoresEmittedRowsAcrossParallelism()
    {
        var spec = new UpdatingAggregateSpec(UpdatingInput, [0], CountSum, UpdatingOutput, TimeSpan.FromHours(24));
        var state = new MemoryState();
        var data = Of(UpdatingInput, Enumerable.Range(0, 50).Select(i => new object?[] { "k" + (i % 9), (long)i, false, (long)i }).ToArray());
        var parts = Shuffle(data, [0], 2);
        for (var p = 0; p < 2; p++)
        {
            var op = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 2));
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, new CollectingOutput());
            op.OnBatch(parts[p], 0, new CollectingOutput());
            op.OnCheckpoint(new CheckpointBarrier(2, true), state, new CollectingOutput());
        }
        var more = Of(UpdatingInput, ["k1", 100L, false, 100L]);
        var outputs = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            var op = new UpdatingAggregateOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 3, state.ReaderFor(p, 3)));
            var output = new CollectingOutput();
            op.OnBatch(Shuffle(more, [0], 3)[p], 0, output);
            op.OnEnd(output);
            outputs.AddRange(output.RowStrings());
        }
        // k1 had rows 1, 10, 19, 28, 37, 46 (sum 141, last time 46).
        Assert.Equal(["k1|6|141|True|46", "k1|7|241|False|100"], outputs.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void SessionWindowsMergeAndCloseAfterTheGap()
    {
        var window = DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)]);
        var output = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("window", window), new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64)]);
        var op = new SessionAggregateOperator(new SessionAggregateSpec(Input, [0], CountSum, 11 * Second, 1, output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 0L], ["a", 2L, 20 * Second], ["a", 3L, 10 * Second]), 0, result);
        op.OnBatch(Of(Input, ["a", 4L, 50 * Second]), 0, result);
        op.OnWatermark(Watermark.At(32 * Second), result);
        var row = Assert.Single(result.Rows());
        Assert.Equal(new object?[] { "a", new object?[] { 0L, 31 * Second }, 3L, 6L, 31 * Second - 1 }, row);
        op.OnEnd(result);
        Assert.Equal(2, result.Rows().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // one BIGINT key, NULLs among them: groups found by value
    public void SessionWindowsMatchANaiveModelOverBatchesOutOfOrder(bool bigintKey)
    {
        // count/sum/max are aggregated in place over the input batches the rows came in
        // (their order does not matter); the model recomputes each session from all rows.
        var input = bigintKey ? BigintInput : Input;
        var window = DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)]);
        var output = Schema.WithTimestamp([new Field("k", input[0].Type), new Field("window", window),
            new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64), new Field("mx", DataType.Int64)]);
        AggregateCall[] calls =
        [
            TestFunctions.Aggregate(Input, "count", [], "cnt"),
            TestFunctions.Aggregate(Input, "sum", [1], "total"),
            TestFunctions.Aggregate(Input, "max", [1], "mx"),
        ];
        var gap = 10 * Second;
        var random = new Random(11);
        var rows = Enumerable.Range(0, 600).Select(_ => new object?[]
        {
            "k" + random.Next(5), random.Next(6) == 0 ? null : (long)random.Next(1000), random.Next(400) * Second / 2,
        }).Select(r => bigintKey ? WithBigintKey(r) : r).ToArray();
        // Second half strictly after the mid watermark, so no row is late.
        var mid = 100 * Second;
        var first = rows.Where(r => (long)r[2]! < mid).ToArray();
        var second = rows.Where(r => (long)r[2]! >= mid).ToArray();

        var op = new SessionAggregateOperator(new SessionAggregateSpec(input, [0], calls, gap, 1, output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        for (var i = 0; i < first.Length; i += 70) op.OnBatch(Of(input, first[i..Math.Min(i + 70, first.Length)]), 0, result);
        op.OnWatermark(Watermark.At(mid), result);
        for (var i = 0; i < second.Length; i += 90) op.OnBatch(Of(input, second[i..Math.Min(i + 90, second.Length)]), 0, result);
        op.OnEnd(result);

        var expected = new List<string>();
        foreach (var byKey in rows.GroupBy(r => r[0]?.ToString() ?? ""))
        {
            var sorted = byKey.OrderBy(r => (long)r[2]!).ToList();
            var session = new List<object?[]> { sorted[0] };
            void Close()
            {
                var start = (long)session[0][2]!;
                var end = (long)session[^1][2]! + gap;
                var values = session.Where(r => r[1] is not null).Select(r => (long)r[1]!).ToList();
                var total = values.Count == 0 ? "" : values.Sum().ToString();
                var max = values.Count == 0 ? "" : values.Max().ToString();
                expected.Add($"{byKey.Key}|({start},{end})|{session.Count}|{total}|{max}|{end - 1}");
            }
            foreach (var r in sorted.Skip(1))
            {
                if ((long)r[2]! >= (long)session[^1][2]! + gap)
                {
                    Close();
                    session = [];
                }
                session.Add(r);
            }
            Close();
        }
        var actual = result.Rows().Select(r => string.Join("|", r.Select(v => v is object?[] a ? $"({a[0]},{a[1]})" : v?.ToString() ?? ""))).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    private static readonly Schema SessionOutput = Schema.WithTimestamp([new Field("k", DataType.Utf8),
        new Field("window", DataType.Struct([new Field("start", DataType.Timestamp), new Field("end", DataType.Timestamp)])),
        new Field("cnt", DataType.Int64, false), new Field("total", DataType.Int64)]);

    // The session rows keyed by one BIGINT instead (sessions then find groups by value).
    private static readonly Schema BigintInput = Schema.WithTimestamp([new Field("k", DataType.Int64), new Field("v", DataType.Int64)]);

    private static readonly Schema BigintSessionOutput = Schema.WithTimestamp([new Field("k", DataType.Int64), .. SessionOutput.Fields.Skip(1).SkipLast(1)]);

    /// <summary>The row with its text key as a BIGINT: "k3" or "c" by their last character's code, except "k0" and "c", which become NULL.</summary>
    private static object?[] WithBigintKey(object?[] row) =>
        [row[0] is "k0" or "c" ? null : (long)((string)row[0]!)[^1], .. row[1..]];

    private static readonly AggregateCall[] SessionCountSum =
    [
        TestFunctions.Aggregate(Input, "count", [], "cnt"),
        TestFunctions.Aggregate(Input, "sum", [1], "total"),
    ];

    /// <summary>
    /// Rows of keys a/b/c where a checkpoint falls while sessions are open, one of them built of
    /// two sessions merged by a row that bridges them (two fragments), and the rows after the
    /// checkpoint extend and merge restored sessions again.
    /// </summary>
    private static (object?[][] Before, object?[][] After) SessionRows() =>
    (
        [
            ["a", 1L, 0L], ["a", 2L, 30 * Second], ["b", 5L, 1 * Second], ["a", 3L, 15 * Second],
            ["c", null, 40 * Second], ["b", 6L, 60 * Second], ["a", 4L, 70 * Second], ["c", 7L, 45 * Second],
        ],
        [
            ["a", 10L, 90 * Second], ["b", 11L, 75 * Second], ["a", 12L, 80 * Second], ["c", 13L, 200 * Second],
            ["b", 14L, 68 * Second], ["d", 15L, 71 * Second],
        ]
    );

    private static List<string> RunSessions(AggregateCall[] calls, Schema output, object?[][] rows, Schema? input = null)
    {
        input ??= Input;
        var op = new SessionAggregateOperator(new SessionAggregateSpec(input, [0], calls, 20 * Second, 1, output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(input, rows), 0, result);
        op.OnEnd(result);
        return result.RowStrings().Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(2, 3, false)]
    [InlineData(3, 1, false)]
    [InlineData(1, 1, true)]
    [InlineData(2, 3, true)]
    [InlineData(3, 1, true)]
    public void SessionPartialsRestoreAtAnotherParallelism(int before, int after, bool bigintKey)
    {
        var (first, second) = SessionRows();
        var (input, sessionOutput) = bigintKey ? (BigintInput, BigintSessionOutput) : (Input, SessionOutput);
        if (bigintKey)
        {
            first = first.Select(WithBigintKey).ToArray();
            second = second.Select(WithBigintKey).ToArray();
        }
        var expected = RunSessions(SessionCountSum, sessionOutput, [.. first, .. second], input);
        // The bridged session of key a: 0, 15, 30 (15 joins the two), then 70, 80, 90 after the restore.
        Assert.Contains(expected, r => r.StartsWith(bigintKey ? "97|" : "a|") && r.Contains("|3|6|"));

        var spec = new SessionAggregateSpec(input, [0], SessionCountSum, 20 * Second, 1, sessionOutput);
        var state = new MemoryState();
        var outputs = new List<string>();
        for (var p = 0; p < before; p++)
        {
            var op = new SessionAggregateOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, before));
            var output = new CollectingOutput();
            // One row per batch, in the order given, so that 15 comes after 0 and 30 and bridges them
            // whichever way the operator takes the rows of one batch.
            foreach (var row in first) op.OnBatch(Shuffle(Of(input, row), [0], before)[p], 0, output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            outputs.AddRange(output.RowStrings());
        }
        Assert.DoesNotContain(SessionAggregateOperator.TableName, state.Tables);
        // One row per fragment: five open sessions, a's first made of two (0 and 30, bridged by 15).
        Assert.Equal(6, state.ReaderFor(0, 1).ReadTable(SessionAggregateOperator.PartialsTableName, allRows: true).Sum(b => b.RowCount));
        for (var p = 0; p < after; p++)
        {
            var op = new SessionAggregateOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, after, state.ReaderFor(p, after)));
            var output = new CollectingOutput();
            foreach (var row in second) op.OnBatch(Shuffle(Of(input, row), [0], after)[p], 0, output);
            op.OnEnd(output);
            outputs.AddRange(output.RowStrings());
        }
        Assert.Equal(expected, outputs.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void SessionRowTablesRestoreIntoPartials()
    {
        // A checkpoint that kept rows (what every session window wrote before partials, and what
        // one with avg writes now) restores into a session window that keeps partials.
        var (first, second) = SessionRows();
        var expected = RunSessions(SessionCountSum, SessionOutput, [.. first, .. second]);
        var rowsOutput = Schema.WithTimestamp([.. SessionOutput.Fields.Take(4), new Field("mean", DataType.Float64)]);
        AggregateCall[] withAvg = [.. SessionCountSum, TestFunctions.Aggregate(Input, "avg", [1], "mean")];
        var state = new MemoryState();
        var writer = new SessionAggregateOperator(new SessionAggregateSpec(Input, [0], withAvg, 20 * Second, 1, rowsOutput), TestFunctions.Builtins);
        writer.Open(Context());
        var outputs = new CollectingOutput();
        foreach (var row in first) writer.OnBatch(Of(Input, row), 0, outputs);
        writer.OnCheckpoint(new CheckpointBarrier(1, true), state, outputs);
        Assert.Empty(outputs.Rows());
        Assert.Contains(SessionAggregateOperator.TableName, state.Tables);

        var restored = new SessionAggregateOperator(new SessionAggregateSpec(Input, [0], SessionCountSum, 20 * Second, 1, SessionOutput), TestFunctions.Builtins);
        restored.Open(Context(0, 1, state.ReaderFor(0, 1)));
        var output = new CollectingOutput();
        foreach (var row in second) restored.OnBatch(Of(Input, row), 0, output);
        restored.OnEnd(output);
        Assert.Equal(expected, output.RowStrings().Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void SessionPartialsAreRefusedByAWindowThatKeepsRows()
    {
        var (first, _) = SessionRows();
        var state = new MemoryState();
        var writer = new SessionAggregateOperator(new SessionAggregateSpec(Input, [0], SessionCountSum, 20 * Second, 1, SessionOutput), TestFunctions.Builtins);
        writer.Open(Context());
        writer.OnBatch(Of(Input, first), 0, new CollectingOutput());
        writer.OnCheckpoint(new CheckpointBarrier(1, true), state, new CollectingOutput());
        var rowsOutput = Schema.WithTimestamp([.. SessionOutput.Fields.Take(4), new Field("mean", DataType.Float64)]);
        AggregateCall[] withAvg = [.. SessionCountSum, TestFunctions.Aggregate(Input, "avg", [1], "mean")];
        var reader = new SessionAggregateOperator(new SessionAggregateSpec(Input, [0], withAvg, 20 * Second, 1, rowsOutput), TestFunctions.Builtins);
        var error = Assert.Throws<InvalidOperationException>(() => reader.Open(Context(0, 1, state.ReaderFor(0, 1))));
        Assert.Contains("session_partials", error.Message);
    }

    private static WindowCall Ranking(string name) => new(TestFunctions.Builtins.Windows.Bind(name), IsAggregate: false, [], WindowFrame.Default);

    [Fact]
    public void WindowFunctionNumbersRowsPerPartition()
    {
        var output = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("rn", DataType.UInt64, false), new Field("rk", DataType.UInt64, false)]);
        var op = new WindowFunctionOperator(new WindowFunctionSpec(Input, [0], [new SortColumn(1, Descending: true)],
            [Ranking("row_number"), Ranking("rank")], output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 5L, 9L], ["a", 7L, 9L], ["b", 1L, 9L], ["a", 7L, 9L]), 0, result);
        op.OnWatermark(Watermark.At(9), result);
        Assert.Empty(result.Batches);
        op.OnWatermark(Watermark.At(10), result);
        Assert.Equal(["a|5|3|3|9", "a|7|1|1|9", "a|7|2|1|9", "b|1|1|1|9"], result.RowStrings());
    }

    [Fact]
    public void WindowedJoinsPadOuterSides()
    {
        var right = Schema.WithTimestamp([new Field("k2", DataType.Utf8), new Field("w", DataType.Int64)]);
        var output = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("k2", DataType.Utf8), new Field("w", DataType.Int64)]);
        var op = new WindowedJoinOperator(new WindowedJoinSpec(JoinKind.Full, Input, right, [0], [0], output));
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 9L], ["b", 2L, 9L]), 0, result);
        op.OnBatch(Of(right, ["a", 10L, 9L], ["c", 30L, 9L], ["a", 11L, 19L]), 1, result);
        op.OnWatermark(Watermark.At(10), result);
        Assert.Equal(["a|1|a|10|9", "b|2|null|null|9", "null|null|c|30|9"], result.RowStrings());
        op.OnEnd(result);
        Assert.Contains("null|null|a|11|19", result.RowStrings());
    }

    [Fact]
    public void UpdatingJoinEmitsMatchesAndRetractions()
    {
        var right = UpdatingInput;
        var output = new Schema([new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("k2", DataType.Utf8), new Field("w", DataType.Int64),
            new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);
        var op = new UpdatingJoinOperator(new UpdatingJoinSpec(JoinKind.Inner, Input, right, [0], [0], TimeSpan.FromHours(1), output));
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(Input, ["a", 1L, 5L]), 0, result);
        op.OnBatch(Of(right, ["a", 10L, false, 7L], ["b", 3L, false, 7L]), 1, result);
        op.OnBatch(Of(Input, ["a", 2L, 8L]), 0, result);
        op.OnBatch(Of(right, ["a", 10L, true, 9L]), 1, result);
        Assert.Equal(["a|1|a|10|False|7", "a|1|a|10|True|9", "a|2|a|10|False|8", "a|2|a|10|True|9"], result.RowStrings());
    }
}
