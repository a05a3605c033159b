using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow.Specs;
using Arroyo.Expressions.Aggregates;
using Arroyo.Operators.Grouping;

namespace Arroyo.Engine.Tests.Operators;

/// <summary>
/// Which DISTINCT counts of a GROUP BY share one table (<see cref="SharedDistinctCount"/>), and
/// that the set's answers are those of a table per call: over append-only input the counts of
/// one column share, with their filters; over retracting input every call keeps its own.
/// </summary>
public sealed class AggregateSetTests
{
    // Columns: 0 x BIGINT, 1 y BIGINT, 2 p BOOLEAN, 3 q BOOLEAN.
    private static readonly Schema Input = new([
        new Field("x", DataType.Int64, true), new Field("y", DataType.Int64, true),
        new Field("p", DataType.Boolean, true), new Field("q", DataType.Boolean, true)]);

    private static readonly AggregateRegistry Registry = AggregateRegistry.CreateBuiltins();

    private static AggregateCall DistinctCount(int column, int? filter, string name) =>
        new(Registry.Bind("count", [Input[column].Type]), [column], true, filter, name);

    // count(DISTINCT x), … FILTER (WHERE p), … FILTER (WHERE q), count(DISTINCT y), … FILTER (WHERE p).
    private static readonly AggregateCall[] Calls =
    [
        DistinctCount(0, null, "dx"), DistinctCount(0, 2, "dxp"), DistinctCount(0, 3, "dxq"),
        DistinctCount(1, null, "dy"), DistinctCount(1, 2, "dyp"),
    ];

    [Fact]
    public void Counts_of_one_column_share_a_table_over_append_only_input_only()
    {
        var appendOnly = new AggregateSet(Calls, Input, Registry, retracting: false);
        var shared = Enumerable.Range(0, Calls.Length).Select(i => appendOnly.Accumulator(i).GetType().Name).ToArray();
        Assert.All(shared, name => Assert.StartsWith("VariantAccumulator", name));

        var retracting = new AggregateSet(Calls, Input, Registry, retracting: true);
        Assert.All(Enumerable.Range(0, Calls.Length), i => Assert.IsType<DistinctCountAccumulator<long>>(retracting.Accumulator(i)));
    }

    [Fact]
    public void Shared_tables_count_as_a_table_per_call()
    {
        var random = new Random(17);
        const int groups = 20;
        var set = new AggregateSet(Calls, Input, Registry, retracting: false);
        set.EnsureCapacity(groups);
        var reference = Calls.Select(_ => Enumerable.Range(0, groups).Select(_ => new HashSet<long>()).ToArray()).ToArray();
        for (var round = 0; round < 30; round++)
        {
            var rows = random.Next(1, 700);
            var x = new long?[rows];
            var y = new long?[rows];
            var p = new bool?[rows];
            var q = new bool?[rows];
            var ids = new int[rows];
            for (var r = 0; r < rows; r++)
            {
                ids[r] = random.Next(-1, groups);
                x[r] = random.Next(9) == 0 ? null : random.Next(0, 200);
                y[r] = random.Next(9) == 0 ? null : random.Next(-3, 3);
                p[r] = random.Next(5) == 0 ? null : random.Next(2) == 0;
                q[r] = random.Next(5) == 0 ? null : random.Next(3) == 0;
                if (ids[r] < 0) continue;
                for (var c = 0; c < Calls.Length; c++)
                {
                    var value = Calls[c].Args[0] == 0 ? x[r] : y[r];
                    var passes = Calls[c].FilterColumn switch { null => true, 2 => p[r] == true, _ => q[r] == true };
                    if (value is { } v && passes) reference[c][ids[r]].Add(v);
                }
            }
            var batch = new Batch(Input, [Column(DataType.Int64, x), Column(DataType.Int64, y), Column(DataType.Boolean, p), Column(DataType.Boolean, q)], rows);
            set.Update(batch, ids, []);
            if (round % 8 == 7)
            {
                set.Clear(round % groups);
                foreach (var sets in reference) sets[round % groups].Clear();
            }
            var builders = Calls.Select(_ => ColumnBuilder.Create(DataType.Int64)).ToArray();
            for (var g = 0; g < groups; g++) set.Evaluate(g, builders, 0);
            for (var c = 0; c < Calls.Length; c++)
            {
                var counts = ((PrimitiveColumn<long>)builders[c].Build()).Values;
                for (var g = 0; g < groups; g++) Assert.Equal(reference[c][g].Count, counts[g]);
            }
        }
    }

    private static Column Column<T>(DataType type, T?[] values) where T : struct
    {
        var builder = ColumnBuilder.Create(type);
        foreach (var v in values) builder.AppendObject(v);
        return builder.Build();
    }
}
