using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Cli.Composition;
using Arroyo.Core.Columns;
using Arroyo.Planner;
using Arroyo.Udfs;
using static Arroyo.Engine.Tests.Udfs.UdfTestSupport;

namespace Arroyo.Engine.Tests.Udfs;

public sealed class QueryFunctionTests
{
    [Fact]
    public void Create_function_bodies_are_statements_or_one_expression()
    {
        const string query = """
            CREATE FUNCTION twice(x BIGINT) RETURNS BIGINT LANGUAGE csharp AS $$ 2 * x $$;
            CREATE FUNCTION label(x BIGINT, prefix TEXT) RETURNS TEXT LANGUAGE csharp AS $$
                if (x < 0) return null;
                return $"{prefix}-{x}";
            $$;
            SELECT twice(1);
            """;
        var library = Load(query);
        Assert.Equal(new object?[] { 6L, null },
            Values(Call(library, "twice", [DataType.Int64], DataType.Int64, Primitives<long>(DataType.Int64, 3, null))));
        Assert.Equal(new object?[] { "a-4", null },
            Values(Call(library, "label", [DataType.Int64, DataType.Utf8], DataType.Utf8,
                Primitives<long>(DataType.Int64, 4, -1), StringColumn.FromStrings(["a", "b"]))));
    }

    [Fact]
    public void A_compile_error_in_a_body_points_at_its_line_and_column_in_the_query()
    {
        const string query = "CREATE FUNCTION f(x BIGINT) RETURNS BIGINT LANGUAGE csharp AS $$\n    return x + y;\n$$;\nSELECT f(1)";
        var error = Assert.Throws<UserException>(() => Load(query));
        Assert.Contains("error CS0103: The name 'y' does not exist in the current context", error.Message);
        Assert.Equal((2, 16), (error.Span.Line, error.Span.Column));
        Assert.Equal("y", query[error.Span.Start..error.Span.End]);
    }

    [Fact]
    public void An_expression_body_on_the_statement_line_keeps_its_columns()
    {
        const string query = "CREATE FUNCTION f(x BIGINT) RETURNS BIGINT LANGUAGE csharp AS $$ x * zz $$; SELECT f(1)";
        var error = Assert.Throws<UserException>(() => Load(query));
        Assert.Equal("zz", query[error.Span.Start..error.Span.End]);
    }

    [Fact]
    public void Another_language_or_an_unsupported_type_is_refused_at_its_span()
    {
        var language = Assert.Throws<UserException>(() => QueryFunctions.FromQuery(
            "CREATE FUNCTION f(x BIGINT) RETURNS BIGINT LANGUAGE python AS $$ x $$; SELECT 1"));
        Assert.Contains("LANGUAGE python is not supported", language.Message);
        Assert.Equal(53, language.Span.Column);
        var type = Assert.Throws<UserException>(() => QueryFunctions.FromQuery(
            "CREATE FUNCTION f(x DECIMAL(10, 2)) RETURNS BIGINT LANGUAGE csharp AS $$ 1 $$; SELECT 1"));
        Assert.Contains("type decimal(10, 2) is not supported by C# UDFs", type.Message);
    }

    [Fact]
    public void The_planner_accepts_the_statement_and_binds_calls_to_the_function()
    {
        const string query = """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '10', message_count = '5');
            CREATE FUNCTION negate(x BIGINT UNSIGNED) RETURNS BIGINT LANGUAGE csharp AS $$ -(long)x $$;
            SELECT negate(counter) AS n FROM impulse;
            """;
        var plan = PipelinePlanner.Plan(query, new PlanOptions
        {
            Connectors = BuiltIns.Connectors(),
            Functions = Load(query),
        });
        Assert.Contains("negate", plan.Explain());
    }

    private static FunctionLibrary Load(string query) =>
        UdfLoader.Load([QueryFunctions.FromQuery(query)!], cacheDirectory: null, query).AddTo(FunctionLibrary.CreateBuiltins(), _ => { });
}
