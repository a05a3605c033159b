using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Engine.Tests.Expressions;
using Arroyo.Execution;
using Arroyo.Operators.UpdatingTopN;
using static Arroyo.Engine.Tests.Operators.Rows;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// Streaming top-N over input that is not windowed: the rows downstream holds after folding the
/// operator's inserts and retractions equal the top N of the live input rows (recomputed naively),
/// run straight, and run at parallelism 2, checkpointed, stopped and restored at parallelism 3.
/// </summary>
public sealed class UpdatingTopNTests
{
    private static readonly Schema AppendInput = Schema.WithTimestamp([new Field("k", DataType.Utf8), new Field("v", DataType.Int64)]);

    private static readonly Schema UpdatingInput = new([
        new Field("k", DataType.Utf8), new Field("v", DataType.Int64),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static readonly Schema Output = new([
        new Field("k", DataType.Utf8), new Field("v", DataType.Int64), new Field("rn", DataType.UInt64, false),
        new Field(Schema.RetractFieldName, DataType.Boolean, false), new Field(Schema.TimestampFieldName, DataType.Timestamp, false)]);

    private static UpdatingTopNSpec Spec(Schema input, string function, long? limit) =>
        new(input, [0], [new SortColumn(1, Descending: true)], [TestFunctions.Builtins.Windows.Bind(function)], 0, limit, Output);

    /// <summary>Random rows over few keys with repeated values (ties); with <paramref name="retractions"/>, some earlier rows retracted.</summary>
    private static List<object?[]> Input(int seed, bool retractions)
    {
        var random = new Random(seed);
        var rows = new List<object?[]>();
        var live = new List<object?[]>();
        for (var i = 0; i < 400; i++)
        {
            if (retractions && live.Count > 0 && random.Next(4) == 0)
            {
                var victim = live[random.Next(live.Count)];
                live.Remove(victim);
                rows.Add([victim[0], victim[1], true, victim[3]]);
                continue;
            }
            object?[] row = [random.Next(8) == 0 ? null : "k" + random.Next(5), random.Next(6) == 0 ? null : (long)random.Next(20), false, (long)i];
            live.Add(row);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The top rows per key by (v DESC NULLS FIRST, then k, v, ts ascending), numbered by <paramref name="function"/>.</summary>
    private static List<string> Model(List<object?[]> input, string function, long limit)
    {
        var live = new List<object?[]>();
        foreach (var row in input)
        {
            if (row[2] is true) live.RemoveAt(live.FindIndex(r => r[0] as string == row[0] as string && Equals(r[1], row[1]) && Equals(r[3], row[3])));
            else live.Add(row);
        }
        var expected = new List<string>();
        foreach (var partition in live.GroupBy(r => r[0] as string ?? "\0null"))
        {
            var sorted = partition.OrderBy(r => r[1] is null ? 0 : 1).ThenByDescending(r => (long?)r[1]).ThenBy(r => (long)r[3]!).ToList();
            ulong rank = 0, dense = 0;
            for (var i = 0; i < sorted.Count; i++)
            {
                if (i == 0 || !Equals(sorted[i - 1][1], sorted[i][1]))
                {
                    rank = (ulong)i + 1;
                    dense++;
                }
                var value = function switch { "row_number" => (ulong)i + 1, "rank" => rank, _ => dense };
                if (value > (ulong)limit) break;
                expected.Add(CollectingOutput.Format([sorted[i][0], sorted[i][1], value, sorted[i][3]]));
            }
        }
        return expected.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }

    /// <summary>Applies inserts and retractions to a multiset of rows (without _is_retract); a retraction of a row never emitted fails.</summary>
    private static void Fold(List<string> held, CollectingOutput output)
    {
        foreach (var row in output.Rows())
        {
            var text = CollectingOutput.Format([row[0], row[1], row[2], row[4]]);
            if (row[3] is true) Assert.True(held.Remove(text), $"retraction of a row never emitted: {text}");
            else held.Add(text);
        }
    }

    private static Arroyo.Core.Batch Rows(Schema schema, IEnumerable<object?[]> rows) =>
        Of(schema, rows.Select(r => schema.IsUpdating ? r : new[] { r[0], r[1], r[3] }).ToArray());

    public static TheoryData<string, bool, long> Cases => new()
    {
        { "row_number", false, 1 },
        { "row_number", false, 3 },
        { "rank", false, 2 },
        { "dense_rank", false, 2 },
        { "row_number", true, 2 },
        { "rank", true, 3 },
        { "dense_rank", true, 1 },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Straight_run_holds_the_top_rows(string function, bool retractions, long limit)
    {
        var schema = retractions ? UpdatingInput : AppendInput;
        var input = Input(7, retractions);
        var op = new UpdatingTopNOperator(Spec(schema, function, limit), TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        foreach (var chunk in input.Chunk(13)) op.OnBatch(Rows(schema, chunk), 0, output);
        var held = new List<string>();
        Fold(held, output);
        Assert.Equal(Model(input, function, limit), held.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Checkpoint_stop_and_restore_at_another_parallelism_holds_the_top_rows(string function, bool retractions, long limit)
    {
        var schema = retractions ? UpdatingInput : AppendInput;
        var input = Input(11, retractions);
        var spec = Spec(schema, function, limit);
        var state = new MemoryState();
        var held = new List<string>();
        var firstHalf = input.Take(input.Count / 2).ToList();
        var parts = Shuffle(Rows(schema, firstHalf), [0], 2);
        for (var p = 0; p < 2; p++)
        {
            var op = new UpdatingTopNOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 2));
            var output = new CollectingOutput();
            op.OnBatch(parts[p], 0, output);
            op.OnCheckpoint(new CheckpointBarrier(1, true), state, output);
            Fold(held, output);
        }
        var rest = Shuffle(Rows(schema, input.Skip(input.Count / 2)), [0], 3);
        for (var p = 0; p < 3; p++)
        {
            var op = new UpdatingTopNOperator(spec, TestFunctions.Builtins);
            op.Open(Context(p, 3, state.ReaderFor(p, 3)));
            var output = new CollectingOutput();
            op.OnBatch(rest[p], 0, output);
            Fold(held, output);
        }
        Assert.Equal(Model(input, function, limit), held.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_limit_every_row_is_numbered_and_renumbered()
    {
        var op = new UpdatingTopNOperator(Spec(UpdatingInput, "row_number", null), TestFunctions.Builtins);
        op.Open(Context());
        var output = new CollectingOutput();
        op.OnBatch(Of(UpdatingInput, ["a", 5L, false, 1L], ["a", 3L, false, 2L]), 0, output);
        op.OnBatch(Of(UpdatingInput, ["a", 9L, false, 3L]), 0, output);
        Assert.Equal(
            ["a|3|2|False|2", "a|3|2|True|2", "a|3|3|False|2", "a|5|1|False|1", "a|5|1|True|1", "a|5|2|False|1", "a|9|1|False|3"],
            output.RowStrings());
    }
}
