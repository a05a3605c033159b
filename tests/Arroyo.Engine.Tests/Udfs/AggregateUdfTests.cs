using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using static Arroyo.Engine.Tests.Udfs.UdfTestSupport;

namespace Arroyo.Engine.Tests.Udfs;

public sealed class AggregateUdfTests
{
    private const string Aggregates = """
        public static class MoreAggregates
        {
            [AggregateUdf]
            public static string joined(IReadOnlyList<string> words, long?[] weights) =>
                string.Join(",", words.Zip(weights, (w, n) => $"{w}:{n?.ToString() ?? "null"}"));

            [AggregateUdf]
            public static long boom(long[] values) => throw new InvalidOperationException("no");
        }
        """;

    // my_median (and the smoke corpus' other aggregates) as the conformance tests use them.
    private static readonly string s_smoke = File.ReadAllText(Path.Combine(Planner.PlannerTestSupport.TestUdfsDirectory(), "smoke", "aggregates.cs"));

    private static FunctionLibrary Load() => Library(null, ("aggregates.cs", s_smoke), ("more.cs", Aggregates));

    [Fact]
    public void Groups_get_their_values_in_arrival_order_and_null_arguments_are_left_out()
    {
        var library = Load();
        var median = Accumulator(library, "my_median", [DataType.UInt64]);
        median.EnsureCapacity(3);
        median.Update([Primitives<ulong>(DataType.UInt64, 5, 1, null, 9, 4)], [0, 0, 0, 1, 0], default);
        var output = new PrimitiveColumnBuilder<double>(DataType.Float64);
        median.Evaluate(0, output); // 5, 1, 4
        median.Evaluate(1, output); // 9
        median.Evaluate(2, output); // empty group
        Assert.Equal(new object?[] { 4.0, 9.0, null }, Values(output.Build()));
    }

    [Fact]
    public void Retractions_remove_one_equal_row_and_state_survives_a_checkpoint()
    {
        var library = Load();
        var joined = Accumulator(library, "joined", [DataType.Utf8, DataType.Int64]);
        joined.EnsureCapacity(1);
        joined.Update([StringColumn.FromStrings(["a", "b", "a", null]), Primitives<long>(DataType.Int64, 1, null, 1, 3)], [0, 0, 0, 0], default);
        joined.Update([StringColumn.FromStrings(["a"]), Primitives<long>(DataType.Int64, 1)], [0], [true]);

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) joined.Write(0, writer);
        var restored = Accumulator(library, "joined", [DataType.Utf8, DataType.Int64]);
        restored.EnsureCapacity(1);
        buffer.Position = 0;
        using (var reader = new BinaryReader(buffer)) restored.Read(0, reader);

        var output = new StringColumnBuilder(DataType.Utf8);
        restored.Evaluate(0, output);
        Assert.Equal(new object?[] { "b:null,a:1" }, Values(output.Build()));
    }

    [Fact]
    public void A_throwing_aggregate_names_the_function_and_the_group_size()
    {
        var library = Load();
        var boom = Accumulator(library, "boom", [DataType.Int64]);
        boom.EnsureCapacity(1);
        boom.Update([Primitives<long>(DataType.Int64, 1, 2)], [0, 0], default);
        var error = Assert.Throws<DataException>(() => boom.Evaluate(0, new PrimitiveColumnBuilder<long>(DataType.Int64)));
        Assert.Contains("user function 'boom' threw InvalidOperationException: no at more.cs line 8 on a group of 2 rows", error.Message);
    }
}
