using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Bound;
using static Arroyo.Engine.Tests.Udfs.UdfTestSupport;

namespace Arroyo.Engine.Tests.Udfs;

public sealed class ScalarUdfTests
{
    private const string Negation = """
        public static class Negation
        {
            [ScalarUdf] public static long double_negative(ulong x) => -2 * (long)x;
            [ScalarUdf("describe")] public static string Describe(long? x) => x is null ? "none" : $"n={x}";
            [ScalarUdf] public static int? even_or_null(int x) => x % 2 == 0 ? x : null;
            [ScalarUdf] public static string? shout(string text) => text.Length == 0 ? null : text.ToUpperInvariant() + "!";
            [ScalarUdf] public static byte[] reversed(byte[] data) => data.Reverse().ToArray();
            [ScalarUdf] public static DateTime next_day(DateTime t) => t.AddDays(1);
        }
        """;

    [Fact]
    public void A_non_nullable_parameter_gives_null_for_null_without_a_call_and_values_map_to_sql_types()
    {
        var library = Library(null, ("negation.cs", Negation));
        var result = Call(library, "double_negative", [DataType.UInt64], DataType.Int64, Primitives<ulong>(DataType.UInt64, 1, null, 21));
        Assert.Equal(DataType.Int64, result.Type);
        Assert.Equal(new object?[] { -2L, null, -42L }, Values(result));
    }

    [Fact]
    public void A_nullable_parameter_receives_the_null()
    {
        var library = Library(null, ("negation.cs", Negation));
        var result = Call(library, "describe", [DataType.Int64], DataType.Utf8, Primitives<long>(DataType.Int64, 3, null));
        Assert.Equal(new object?[] { "n=3", "none" }, Values(result));
    }

    [Fact]
    public void Nullable_results_text_bytes_and_timestamps_round_trip()
    {
        var library = Library(null, ("negation.cs", Negation));
        Assert.Equal(new object?[] { null, 2, null },
            Values(Call(library, "even_or_null", [DataType.Int32], DataType.Int32, Primitives<int>(DataType.Int32, 1, 2, null))));
        Assert.Equal(new object?[] { "HI!", null, null },
            Values(Call(library, "shout", [DataType.Utf8], DataType.Utf8, StringColumn.FromStrings(["hi", "", null]))));
        var bytes = (StringColumn)Call(library, "reversed", [DataType.Binary], DataType.Binary,
            new StringColumnBuilder(DataType.Binary).Also(b => ((StringColumnBuilder)b).Append([1, 2, 3])).Build());
        Assert.Equal(new byte[] { 3, 2, 1 }, bytes.GetBytes(0).ToArray());
        const long day = 86_400_000_000_000L;
        var next = Call(library, "next_day", [DataType.Timestamp], DataType.Timestamp, Primitives<long>(DataType.Timestamp, 5 * day + 123_400));
        Assert.Equal(6 * day + 123_400, ((PrimitiveColumn<long>)next)[0]);
    }

    [Fact]
    public void A_call_binds_through_the_registry_with_casts_to_the_declared_types()
    {
        var library = Library(null, ("negation.cs", Negation));
        var call = library.Scalar.BindCall("double_negative", [new ColumnRef(0, "c", DataType.Int32)]);
        Assert.Equal("double_negative(BIGINT UNSIGNED) -> BIGINT", ((ScalarCall)call).Function.Signature);
    }

    [Fact]
    public void A_throwing_udf_stops_with_the_function_its_source_line_and_the_row()
    {
        var library = Library(null, ("throws.cs", """
            public static class Throws
            {
                [ScalarUdf]
                public static long checked_half(long x, string label)
                {
                    if (x < 0) throw new ArgumentOutOfRangeException(nameof(x), "negative input");
                    return x / 2;
                }
            }
            """));
        var error = Assert.Throws<DataException>(() => Call(library, "checked_half", [DataType.Int64, DataType.Utf8], DataType.Int64,
            Primitives<long>(DataType.Int64, 4, -7), StringColumn.FromStrings(["a", new string('z', 500)])));
        Assert.Contains("user function 'checked_half' threw ArgumentOutOfRangeException: negative input", error.Message);
        Assert.Contains("at throws.cs line 6", error.Message);
        Assert.Contains("row (x = -7, label = 'zzzz", error.Message);
        Assert.True(error.Message.Length < 700, "the row's values are truncated: " + error.Message);
    }

    [Fact]
    public void OnError_null_gives_null_for_the_failing_row_and_logs_a_warning()
    {
        var warnings = new List<string>();
        var library = Library(warnings, ("lenient.cs", """
            public static class Lenient
            {
                [ScalarUdf(OnError = UdfErrorPolicy.Null)]
                public static int parse_int(string text) => int.Parse(text);
            }
            """));
        var result = Call(library, "parse_int", [DataType.Utf8], DataType.Int32, StringColumn.FromStrings(["12", "x", "7"]));
        Assert.Equal(new object?[] { 12, null, 7 }, Values(result));
        var warning = Assert.Single(warnings);
        Assert.Contains("user function 'parse_int' threw FormatException", warning);
        Assert.Contains("row (text = 'x')", warning);
    }

    [Fact]
    public void A_compile_error_names_the_file_line_column_and_the_compiler_message()
    {
        var error = Assert.Throws<UserException>(() => Library(null, ("udfs/broken.cs", """
            public static class Broken
            {
                [ScalarUdf] public static long f(long x) => x + y;
            }
            """)));
        Assert.Contains("C# UDFs do not compile: udfs/broken.cs(3,53): error CS0103: The name 'y' does not exist in the current context", error.Message);
        Assert.Contains("3 |     [ScalarUdf] public static long f(long x) => x + y;", error.Message);
    }

    [Fact]
    public void An_unsupported_parameter_type_names_the_parameter_its_location_and_the_supported_types()
    {
        var error = Assert.Throws<UserException>(() => Library(null, ("money.cs", """
            public static class Money
            {
                [ScalarUdf] public static decimal add_tax(decimal amount) => amount * 1.2m;
            }
            """)));
        Assert.Contains("money.cs(3,55): UDF 'add_tax': parameter 'amount' has type decimal, which UDFs do not support; supported: bool,", error.Message);
    }

    [Fact]
    public void Methods_that_cannot_be_udfs_are_refused_with_reasons()
    {
        var error = Assert.Throws<UserException>(() => Library(null, ("bad.cs", """
            public class Bad
            {
                [ScalarUdf] public long instance(long x) => x;
                [ScalarUdf] private static long hidden(long x) => x;
                [AsyncUdf] public static long not_async(long x) => x;
                [AsyncUdf(Timeout = "soon")] public static Task<long> vague(long x) => Task.FromResult(x);
            }
            """)));
        Assert.Contains("UDF 'instance': the method must be static", error.Message);
        Assert.Contains("UDF 'hidden': the method must be public or internal", error.Message);
        Assert.Contains("UDF 'not_async': an async UDF returns Task<T> or ValueTask<T>, not long", error.Message);
        Assert.Contains("UDF 'vague': Timeout 'soon' is not a duration", error.Message);
    }

    [Fact]
    public void A_udf_may_not_shadow_a_built_in_function()
    {
        var error = Assert.Throws<UserException>(() => Library(null, ("abs.cs", """
            public static class Mine { [ScalarUdf] public static long abs(long x) => x; }
            """)));
        Assert.Contains("UDF 'abs' (abs.cs(1,59)) has the name of a built-in function", error.Message);
    }
}

internal static class BuilderExtensions
{
    public static ColumnBuilder Also(this ColumnBuilder builder, Action<ColumnBuilder> action)
    {
        action(builder);
        return builder;
    }
}
