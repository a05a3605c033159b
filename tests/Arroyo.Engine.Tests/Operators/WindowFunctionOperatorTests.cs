using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.WindowFunction;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// The window function operator with every function family (ranking, distribution, ntile,
/// lag/lead, first/last/nth_value, aggregates over default, ROWS and peer frames, IGNORE NULLS)
/// against a naive model of DataFusion's semantics, run straight, and at parallelism 2
/// checkpointed and stopped, then restored at parallelism 3. Every call's arguments are the ORDER
/// BY column itself, so rows tied in the order give the same multiset of output rows whichever
/// way they come in.
/// </summary>
public sealed class WindowFunctionOperatorTests
{
    private static readonly Schema Input = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64)]);

    private static WindowFrame Rows(WindowFrameBound start, WindowFrameBound end) => new(WindowFrameUnits.Rows, start, end);

    private static readonly WindowFrameBound UnboundedPreceding = new(WindowFrameBoundKind.UnboundedPreceding);
    private static readonly WindowFrameBound CurrentRow = new(WindowFrameBoundKind.CurrentRow);
    private static readonly WindowFrameBound UnboundedFollowing = new(WindowFrameBoundKind.UnboundedFollowing);

    private static WindowFrameBound Preceding(long n) => new(WindowFrameBoundKind.Preceding, n);

    private static WindowFrameBound Following(long n) => new(WindowFrameBoundKind.Following, n);

    private static WindowCall Window(string name, long parameter = 0, bool value = true, WindowFrame? frame = null, bool ignoreNulls = false)
    {
        DataType[] types = name switch
        {
            "ntile" => [DataType.Int64],
            "nth_value" => [DataType.Int64, DataType.Int64],
            _ => value ? [DataType.Int64] : [],
        };
        return new WindowCall(TestFunctions.Builtins.Windows.Bind(name, types), IsAggregate: false, value ? [1] : [], frame ?? WindowFrame.Default)
        {
            Parameter = parameter,
            IgnoreNulls = ignoreNulls,
        };
    }

    private static WindowCall Aggregate(string name, WindowFrame? frame = null, bool star = false) =>
        new(TestFunctions.Builtins.Aggregates.Bind(name, star ? [] : [DataType.Int64]), IsAggregate: true, star ? [] : [1], frame ?? WindowFrame.Default);

    private static readonly WindowCall[] Calls =
    [
        Window("row_number", value: false),
        Window("rank", value: false),
        Window("dense_rank", value: false),
        Window("percent_rank", value: false),
        Window("cume_dist", value: false),
        Window("ntile", 3, value: false),
        Window("lag", 1),
        Window("lead", 2),
        Window("lag", 1, ignoreNulls: true),
        Window("first_value"),
        Window("last_value"),
        Window("nth_value", 2),
        Window("last_value", frame: Rows(UnboundedPreceding, UnboundedFollowing), ignoreNulls: true),
        Aggregate("sum"),
        Aggregate("count", Rows(Preceding(1), Following(1)), star: true),
        Aggregate("min", Rows(UnboundedPreceding, CurrentRow)),
        Aggregate("max", Rows(CurrentRow, UnboundedFollowing)),
        Aggregate("avg", Rows(Preceding(2), Preceding(1))),
    ];

    private static WindowFunctionSpec Spec()
    {
        var fields = Input.Fields.Take(2).ToList();
        fields.AddRange(Calls.Select((c, i) => new Field($"f{i}", c.ResultType)));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        return new WindowFunctionSpec(Input, [0], [new SortColumn(1, Descending: true)], Calls, new Schema(fields));
    }

    /// <summary>Rows in 6 windows (timestamps), over few keys, with tied and NULL values.</summary>
    private static List<object?[]> InputRows(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 360)
            .Select(i => new object?[] { random.Next(9) == 0 ? null : "k" + random.Next(4), random.Next(5) == 0 ? null : (long?)random.Next(8), (long)(i / 60 * 10) })
            .ToList();
    }

    /// <summary>Each partition (timestamp, k) sorted by v DESC NULLS FIRST, every call computed from its definition.</summary>
    private static List<string> Model(List<object?[]> input)
    {
        var expected = new List<string>();
        foreach (var partition in input.GroupBy(r => (Ts: (long)r[2]!, K: r[0] as string)))
        {
            var v = partition.Select(r => (long?)r[1]).OrderBy(x => x is null ? 0 : 1).ThenByDescending(x => x).ToArray();
            var n = v.Length;
            for (var i = 0; i < n; i++)
            {
                var peerStart = Array.FindIndex(v, x => x == v[i]);
                var peerEnd = Array.FindLastIndex(v, x => x == v[i]) + 1;
                var nonNull = v.Where(x => x is not null).ToArray();
                var before = v.Take(i).Where(x => x is not null).ToArray();
                var lastTwo = v.Skip(Math.Max(0, i - 2)).Take(i - Math.Max(0, i - 2)).Where(x => x is not null).ToArray();
                var upToPeers = v.Take(peerEnd).Where(x => x is not null).ToArray();
                var buckets = Math.Min(3, n);
                object?[] row =
                [
                    partition.Key.K, v[i],
                    (ulong)i + 1,
                    (ulong)peerStart + 1,
                    (ulong)v.Take(i + 1).Distinct().Count(),
                    n == 1 ? 0.0 : (double)peerStart / (n - 1),
                    (double)peerEnd / n,
                    (ulong)(i * buckets / n) + 1,
                    i >= 1 ? v[i - 1] : null,
                    i + 2 < n ? v[i + 2] : null,
                    before.Length >= 1 ? before[^1] : null,
                    v[0],
                    v[peerEnd - 1],
                    peerEnd >= 2 ? v[1] : null,
                    nonNull.Length > 0 ? nonNull[^1] : null,
                    upToPeers.Length > 0 ? upToPeers.Sum() : null,
                    (long)(Math.Min(n, i + 2) - Math.Max(0, i - 1)),
                    v.Take(i + 1).Min(),
                    v.Skip(i).Max(),
                    lastTwo.Length > 0 ? (double)lastTwo.Sum()!.Value / lastTwo.Length : null,
                    partition.Key.Ts,
                ];
                expected.Add(CollectingOutput.Format(row));
            }
        }
        return expected.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void Straight_run_matches_the_model()
    {
        var input = InputRows(3);
        var op = new WindowFunctionOperator(Spec(), TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        foreach (var chunk in input.Chunk(25))
        {
            op.OnBatch(Of(Input, chunk), 0, output);
            // Windows close as the watermark passes them, some while later rows are still coming.
            op.OnWatermark(Watermark.At((long)chunk[0][2]!), output);
        }
        op.OnEnd(output);
        Assert.Equal(Model(input), output.RowStrings());
    }

    [Fact]
    public void Checkpoint_stop_and_restore_at_another_parallelism_matches_the_model()
    {
        var input = InputRows(5);
        var spec = Spec();
        var state = new MemoryState();
        var emitted = new List<string>();
        var firstPart = input.Take(200).ToList();
        var parts = Shuffle(Of(Input, firstPart.ToArray()), [0], 2);
        for (var p = 0; p < 2; p++)
        {
            var op = new WindowFunctionOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 2));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnWatermark(Watermark.At(20), output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            emitted.AddRange(output.RowStrings());
        }
        // Windows 0 and 10 closed before the stop; 20 and 30 (partly read) come back from the checkpoint.
        Assert.Contains(emitted, r => r.EndsWith("|10", StringComparison.Ordinal));
        Assert.DoesNotContain(emitted, r => r.EndsWith("|20", StringComparison.Ordinal));
        var rest = Shuffle(Of(Input, input.Skip(200).ToArray()), [0], 3);
        for (var p = 0; p < 3; p++)
        {
            var op = new WindowFunctionOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 3, state.ReaderFor(p, 3)));
            var output = new CollectingOutput();
            op.OnBatch(rest[p], 0, output);
            op.OnEnd(output);
            emitted.AddRange(output.RowStrings());
        }
        Assert.Equal(Model(input), emitted.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void Lag_and_lead_use_the_default_column_out_of_range_and_negative_offsets_reverse()
    {
        var input = Schema.WithTimestamp([new Field("v", DataType.Int32), new Field("d", DataType.Int32)]);
        var lag = TestFunctions.Builtins.Windows.Bind("lag", [DataType.Int32]);
        var lead = TestFunctions.Builtins.Windows.Bind("lead", [DataType.Int32]);
        WindowCall[] calls =
        [
            new(lag, false, [0, 1], WindowFrame.Default) { Parameter = 2 },
            new(lead, false, [0], WindowFrame.Default) { Parameter = -1 },
            new(lag, false, [0], WindowFrame.Default) { Parameter = 0 },
        ];
        var output = Schema.WithTimestamp([input[0], input[1], new Field("a", DataType.Int32), new Field("b", DataType.Int32), new Field("c", DataType.Int32)]);
        var op = new WindowFunctionOperator(new WindowFunctionSpec(input, [], [new SortColumn(0)], calls, output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(input, [3, -1, 5L], [1, -1, 5L], [2, -1, 5L]), 0, result);
        op.OnEnd(result);
        Assert.Equal(Int32Type(result), DataType.Int32);
        Assert.Equal(["1|-1|-1|null|1|5", "2|-1|-1|1|2|5", "3|-1|1|2|3|5"], result.RowStrings());

        static DataType Int32Type(CollectingOutput r) => r.Batches[0].Columns[2].Type;
    }

    [Fact]
    public void Ntile_places_rows_as_datafusion_does()
    {
        // DataFusion: bucket = i * min(n, rows) / rows + 1, so 10 rows in 4 buckets are 3, 2, 3, 2 (not 3, 3, 2, 2).
        var input = Schema.WithTimestamp([new Field("v", DataType.Int64)]);
        WindowCall[] calls = [new(TestFunctions.Builtins.Windows.Bind("ntile", [DataType.Int64]), false, [], WindowFrame.Default) { Parameter = 4 }];
        var output = Schema.WithTimestamp([input[0], new Field("t", DataType.UInt64, false)]);
        var op = new WindowFunctionOperator(new WindowFunctionSpec(input, [], [new SortColumn(0)], calls, output), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(input, Enumerable.Range(1, 10).Select(i => new object?[] { (long)i, 0L }).ToArray()), 0, result);
        op.OnEnd(result);
        Assert.Equal([1UL, 1, 1, 2, 2, 3, 3, 3, 4, 4], result.Rows().Select(r => (ulong)r[1]!));
    }
    [Fact]
    public void Other_aggregates_and_nth_value_from_the_end_work_over_frames()
    {
        var input = Schema.WithTimestamp([new Field("v", DataType.Int64)]);
        var whole = Rows(UnboundedPreceding, UnboundedFollowing);
        var aggregates = TestFunctions.Builtins.Aggregates;
        var nth = TestFunctions.Builtins.Windows.Bind("nth_value", [DataType.Int64, DataType.Int64]);
        WindowCall[] calls =
        [
            new(aggregates.Bind("array_agg", [DataType.Int64]), true, [0], WindowFrame.Default),
            new(aggregates.Bind("median", [DataType.Int64]), true, [0], whole),
            new(aggregates.Bind("stddev_samp", [DataType.Int64]), true, [0], whole),
            new(nth, false, [0], whole) { Parameter = -2 },
            new(nth, false, [0], whole) { Parameter = 0 },
        ];
        var fields = new List<Field> { input[0] };
        fields.AddRange(calls.Select((c, i) => new Field($"f{i}", c.ResultType)));
        fields.Add(new Field(Schema.TimestampFieldName, DataType.Timestamp, false));
        var op = new WindowFunctionOperator(new WindowFunctionSpec(input, [], [new SortColumn(0)], calls, new Schema(fields)), TestFunctions.Builtins);
        op.Open(Context());
        var result = new CollectingOutput();
        op.OnBatch(Of(input, [3L, 0L], [1L, 0L], [4L, 0L], [2L, 0L]), 0, result);
        op.OnEnd(result);
        // median of an integer column is an integer in DataFusion (the middle two averaged, truncated).
        Assert.Equal(
            ["1|[1]|2|1.2909944487358056|3|null|0", "2|[1,2]|2|1.2909944487358056|3|null|0",
             "3|[1,2,3]|2|1.2909944487358056|3|null|0", "4|[1,2,3,4]|2|1.2909944487358056|3|null|0"],
            result.RowStrings());
    }
}
