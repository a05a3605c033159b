using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;
using Arroyo.Expressions.Kernels;
using static Arroyo.Engine.Tests.Expressions.ExprTestKit;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>
/// The fused regexp_match(...)[k] kernel, split_part over bytes and the evaluation of repeated
/// calls once per batch: each gives what the call-by-call evaluation gives.
/// </summary>
public sealed class StringKernelFusionTests
{
    // Several rows in one batch: the fused kernel matches each row within its own range of one
    // decoded string, so '^' must anchor at each row's start, not only the batch's.
    private static readonly object?[] s_urls =
    [
        "https://x.com/a/b?query=1&channel_id=42",
        "channel_id=7&x=1",
        null,
        "https://x.com/no/id",
        "q=1&channel_id=",
        "ärger/ü?x=1&channel_id=ß9",
        "xchannel_id=5",
        "",
    ];

    [Theory]
    [InlineData("(&|^)channel_id=([^&]*)", 2L)]
    [InlineData("(&|^)channel_id=([^&]*)", 1L)]
    [InlineData("(&|^)channel_id=([^&]*)", -1L)]
    [InlineData("(&|^)channel_id=([^&]*)", -2L)]
    [InlineData("(&|^)channel_id=([^&]*)", 3L)]
    [InlineData("(&|^)channel_id=([^&]*)", 0L)]
    [InlineData("channel_id=\\d+", 1L)]
    [InlineData("^[a-z]+", 1L)]
    [InlineData("(x)?channel_id=(\\d)", 1L)]
    [InlineData("id=(?P<v>\\w+)$", 1L)]
    public void RegexpMatchElementEqualsTheCallByCallAnswer(string pattern, long element)
    {
        var batch = Batch(("url", DataType.Utf8, s_urls), ("k", DataType.Int64, s_urls.Select(_ => (object?)element).ToArray()));
        var match = TestFunctions.Scalar.BindCall("regexp_match", [Col(batch, "url"), Literal.Of(pattern)]);
        var fused = TestFunctions.Scalar.BindCall("array_element", [match, Literal.Of(element)]);
        // A column index is not a constant, so this one is compiled call by call.
        var byCall = TestFunctions.Scalar.BindCall("array_element", [match, Col(batch, "k")]);
        Assert.IsType<RegexGroupKernel>(ExprCompiler.Compile(fused, TestFunctions.Scalar));
        Assert.Equal(Eval(byCall, batch), Eval(fused, batch));
    }

    [Fact]
    public void RegexpMatchElementPicksTheGroupPerRow()
    {
        var batch = Batch(("url", DataType.Utf8, s_urls));
        var match = TestFunctions.Scalar.BindCall("regexp_match", [Col(batch, "url"), Literal.Of("(&|^)channel_id=([^&]*)")]);
        var fused = TestFunctions.Scalar.BindCall("array_element", [match, Literal.Of(2L)]);
        Assert.Equal(["42", "7", null, null, "", "ß9", null, null], Eval(fused, batch));
    }

    [Fact]
    public void AUserFunctionNamedRegexpMatchIsNotFused()
    {
        var library = FunctionLibrary.CreateBuiltins().AddScalar("regexp_match", [DataType.Utf8, DataType.Utf8], DataType.List(DataType.Utf8));
        var batch = Batch(("url", DataType.Utf8, ["a"]));
        var match = library.Scalar.BindCall("regexp_match", [Col(batch, "url"), Literal.Of("a")]);
        var element = library.Scalar.BindCall("array_element", [match, Literal.Of(1L)]);
        // The user's function (registered without an implementation) is what gets compiled, not the fused built-in.
        var error = Assert.Throws<Arroyo.Core.Errors.UserException>(() => ExprCompiler.Compile(element, library.Scalar));
        Assert.Contains("user-defined function 'regexp_match' has no implementation", error.Message);
    }

    [Theory]
    [InlineData("https://www.nexmark.com/abo/eoci/cidro/item.htm?query=1", "/", 4L, "abo")]
    [InlineData("https://www.nexmark.com/abo/eoci/cidro/item.htm?query=1", "/", 6L, "cidro")]
    [InlineData("https://www.nexmark.com/abo/eoci/cidro/item.htm?query=1", "/", 9L, "")]
    [InlineData("a,b,c", ",", -1L, "c")]
    [InlineData("a,b,c", ",", -3L, "a")]
    [InlineData("a,b,c", ",", -4L, "")]
    [InlineData("a,b,c", "", 1L, "a,b,c")]
    [InlineData("a,b,c", "", -1L, "a,b,c")]
    [InlineData("a,b,c", "", 2L, "")]
    [InlineData("a::b::", "::", 3L, "")]
    [InlineData("ä→ö→ü", "→", 2L, "ö")]
    [InlineData("", ",", 1L, "")]
    public void SplitPartFindsTheField(string text, string delimiter, long n, string expected) =>
        Assert.Equal(expected, Call("split_part", text, delimiter, n));

    [Fact]
    public void SplitPartOverAColumnWithNullsAndAZeroPositionError()
    {
        var batch = Batch(("s", DataType.Utf8, ["a/b/c", null, "x"]));
        var call = TestFunctions.Scalar.BindCall("split_part", [Col(batch, "s"), Literal.Of("/"), Literal.Of(2L)]);
        Assert.Equal(["b", null, ""], Eval(call, batch));
        var zero = TestFunctions.Scalar.BindCall("split_part", [Col(batch, "s"), Literal.Of("/"), Literal.Of(0L)]);
        Assert.Contains("field position must not be zero", Assert.Throws<DataException>(() => Eval(zero, batch)).Message);
    }

    [Fact]
    public void ARepeatedCallRunsOncePerBatch()
    {
        var calls = 0;
        var library = FunctionLibrary.CreateBuiltins().AddScalar("counted_lower", [DataType.Utf8], DataType.Utf8, (_, ret) => new CountingLower(_ => calls++));
        var batch = Batch(("c", DataType.Utf8, ["Apple", "Google", "Other", null]));
        BoundExpr Lower() => library.Scalar.BindCall("counted_lower", [Col(batch, "c")]);
        var exprs = new[]
        {
            Coercion.BindBinary(BinaryOp.Equal, Lower(), Literal.Of("apple")),
            Coercion.BindBinary(BinaryOp.Equal, Lower(), Literal.Of("google")),
            Lower(),
        };
        var compiled = ExprCompiler.Compile(exprs, library.Scalar);
        var results = compiled.Select(e => e.Evaluate(batch)).Select(c => Enumerable.Range(0, c.Length).Select(c.GetValue).ToArray()).ToArray();
        Assert.Equal(1, calls);
        Assert.Equal([true, false, false, null], results[0]);
        Assert.Equal([false, true, false, null], results[1]);
        Assert.Equal(["apple", "google", "other", null], results[2]);
        // Another batch is evaluated afresh.
        compiled[2].Evaluate(Batch(("c", DataType.Utf8, ["X"])));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void AVolatileCallIsNotShared()
    {
        var batch = Batch(("c", DataType.Int64, [1L, 2L]));
        var exprs = new[] { TestFunctions.Scalar.BindCall("random", []), TestFunctions.Scalar.BindCall("random", []) };
        var compiled = ExprCompiler.Compile(exprs, TestFunctions.Scalar);
        Assert.NotSame(compiled[0], compiled[1]);
        Assert.NotEqual(compiled[0].Evaluate(batch).GetValue(0), compiled[1].Evaluate(batch).GetValue(0));
    }

    /// <summary>lower(), reporting the row count of every call.</summary>
    private sealed class CountingLower(Action<int> counted) : ScalarKernel
    {
        public override Column Invoke(Column[] args, int rowCount)
        {
            counted(rowCount);
            var input = (StringColumn)args[0];
            var builder = new StringColumnBuilder(DataType.Utf8, rowCount);
            for (var i = 0; i < rowCount; i++)
            {
                if (input.IsValid(i)) builder.Append(input.GetString(i).ToLowerInvariant());
                else builder.AppendNull();
            }
            return builder.Build();
        }
    }
}
