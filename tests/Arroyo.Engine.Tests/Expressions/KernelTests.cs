using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Compilation;
using static Arroyo.Engine.Tests.Expressions.ExprTestKit;

namespace Arroyo.Engine.Tests.Expressions;

public sealed class KernelTests
{
    private static readonly object?[] s_noNulls = [1L, 2L, 3L, 4L];
    private static readonly object?[] s_withNulls = [1L, null, 3L, null];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ArithmeticColumnColumnAndScalar(bool nulls)
    {
        var batch = Batch(("a", DataType.Int64, nulls ? s_withNulls : s_noNulls), ("b", DataType.Int64, [10L, 20L, 30L, 40L]));
        var sum = Coercion.BindBinary(BinaryOp.Add, Col(batch, "a"), Col(batch, "b"));
        var times = Coercion.BindBinary(BinaryOp.Multiply, Col(batch, "a"), Literal.Of(3L));
        var minus = Coercion.BindBinary(BinaryOp.Subtract, Literal.Of(100L), Col(batch, "a"));
        Assert.Equal(nulls ? [11L, null, 33L, null] : [11L, 22L, 33L, 44L], Eval(sum, batch));
        Assert.Equal(nulls ? [3L, null, 9L, null] : [3L, 6L, 9L, 12L], Eval(times, batch));
        Assert.Equal(nulls ? [99L, null, 97L, null] : [99L, 98L, 97L, 96L], Eval(minus, batch));
    }

    [Fact]
    public void IntegerOverflowWraps()
    {
        var batch = Batch(("a", DataType.Int64, [long.MaxValue]));
        Assert.Equal(long.MinValue, Eval(Coercion.BindBinary(BinaryOp.Add, Col(batch, "a"), Literal.Of(1L)), batch)[0]);
    }

    [Fact]
    public void DivisionByZeroIsDataErrorButNotOnNullRows()
    {
        var batch = Batch(("a", DataType.Int64, [10L, 20L]), ("b", DataType.Int64, [0L, 5L]), ("c", DataType.Int64, [null, 5L]));
        var ex = Assert.Throws<DataException>(() => Eval(Coercion.BindBinary(BinaryOp.Divide, Col(batch, "a"), Col(batch, "b")), batch));
        Assert.Equal("Divide by zero error", ex.Message);
        Assert.Equal([null, 4L], Eval(Coercion.BindBinary(BinaryOp.Divide, Col(batch, "a"), Col(batch, "c")), batch));
        var f = Batch(("x", DataType.Float64, [1.0]));
        Assert.Equal(double.PositiveInfinity, Eval(Coercion.BindBinary(BinaryOp.Divide, Col(f, "x"), Literal.Of(0.0)), f)[0]);
    }

    [Fact]
    public void ModuloAndIntegerDivisionTruncate()
    {
        var batch = Batch(("a", DataType.Int64, [-7L, 7L]));
        Assert.Equal([-3L, 3L], Eval(Coercion.BindBinary(BinaryOp.Divide, Col(batch, "a"), Literal.Of(2L)), batch));
        Assert.Equal([-1L, 1L], Eval(Coercion.BindBinary(BinaryOp.Modulo, Col(batch, "a"), Literal.Of(2L)), batch));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ComparisonsAndPredicate(bool nulls)
    {
        var batch = Batch(("a", DataType.Int64, nulls ? s_withNulls : s_noNulls));
        var gt = Coercion.BindBinary(BinaryOp.Greater, Col(batch, "a"), Literal.Of(1L));
        Assert.Equal(nulls ? [false, null, true, null] : [false, true, true, true], Eval(gt, batch));
        var selection = ExprCompiler.Compile(gt, TestFunctions.Scalar).EvaluatePredicate(batch);
        Assert.Equal(nulls ? 1 : 3, selection.CountSet());
        Assert.False(selection.Get(1) && nulls);
    }

    [Fact]
    public void StringComparisonIsByteOrder()
    {
        var batch = Batch(("s", DataType.Utf8, ["a", "b", "B", null]));
        Assert.Equal([false, true, false, null], Eval(Coercion.BindBinary(BinaryOp.Greater, Col(batch, "s"), Literal.Of("a")), batch));
        Assert.Equal([true, false, false, null], Eval(Coercion.BindBinary(BinaryOp.Equal, Literal.Of("a"), Col(batch, "s")), batch));
    }

    [Fact]
    public void ThreeValuedLogic()
    {
        var batch = Batch(("p", DataType.Boolean, [true, true, true, false, false, false, null, null, null]),
                          ("q", DataType.Boolean, [true, false, null, true, false, null, true, false, null]));
        var and = Coercion.BindBinary(BinaryOp.And, Col(batch, "p"), Col(batch, "q"));
        var or = Coercion.BindBinary(BinaryOp.Or, Col(batch, "p"), Col(batch, "q"));
        Assert.Equal([true, false, null, false, false, false, null, false, null], Eval(and, batch));
        Assert.Equal([true, true, true, true, false, null, true, null, null], Eval(or, batch));
        Assert.Equal([false, false, false, true, true, true, null, null, null], Eval(Coercion.BindUnary(UnaryOp.Not, Col(batch, "p")), batch));
        Assert.Equal(1, ExprCompiler.Compile(and, TestFunctions.Scalar).EvaluatePredicate(batch).CountSet());
        Assert.Equal(5, ExprCompiler.Compile(or, TestFunctions.Scalar).EvaluatePredicate(batch).CountSet());
    }

    [Fact]
    public void IsNullAndDistinct()
    {
        var batch = Batch(("a", DataType.Int64, [1L, null]), ("b", DataType.Int64, [null, null]));
        Assert.Equal([false, true], Eval(Coercion.BindUnary(UnaryOp.IsNull, Col(batch, "a")), batch));
        Assert.Equal([true, false], Eval(Coercion.BindBinary(BinaryOp.IsDistinctFrom, Col(batch, "a"), Col(batch, "b")), batch));
    }

    [Fact]
    public void InListWithNullSemantics()
    {
        var batch = Batch(("a", DataType.Int64, [1L, 2L, null]));
        Assert.Equal([true, false, null], Eval(Coercion.BindInList(Col(batch, "a"), [Literal.Of(1L), Literal.Of(3L)], false), batch));
        Assert.Equal([true, null, null], Eval(Coercion.BindInList(Col(batch, "a"), [Literal.Of(1L), Literal.Null()], false), batch));
        var s = Batch(("s", DataType.Utf8, ["x", "y"]));
        Assert.Equal([false, true], Eval(Coercion.BindInList(Col(s, "s"), [Literal.Of("x")], true), s));
    }

    [Fact]
    public void CaseEvaluatesThenOnlyOnChosenRows()
    {
        var batch = Batch(("x", DataType.Int64, [0L, 5L, null]));
        var x = Col(batch, "x");
        var e = Coercion.BindCase(null,
            [(Coercion.BindBinary(BinaryOp.Equal, x, Literal.Of(0L)), Literal.Of(-1L))],
            Coercion.BindBinary(BinaryOp.Divide, Literal.Of(10L), x));
        Assert.Equal([-1L, 2L, null], Eval(e, batch));
        var simple = Coercion.BindCase(x, [(Literal.Of(5L), Literal.Of("five"))], null);
        Assert.Equal([null, "five", null], Eval(simple, batch));
    }

    [Fact]
    public void TimestampArithmetic()
    {
        Assert.True(Timestamps.TryParse("2023-01-31T10:00:00", out var t));
        var batch = Batch(("t", DataType.Timestamp, [t]));
        var plus = Coercion.BindBinary(BinaryOp.Add, Col(batch, "t"), Literal.Of(new IntervalValue(0, 0, 90 * Timestamps.NanosPerSecond)));
        Assert.Equal("2023-01-31T10:01:30", Timestamps.FormatIso((long)Eval(plus, batch)[0]!));
        var month = Coercion.BindBinary(BinaryOp.Add, Col(batch, "t"), Literal.Of(new IntervalValue(1, 0, 0)));
        Assert.Equal("2023-02-28T10:00:00", Timestamps.FormatIso((long)Eval(month, batch)[0]!));
        var diff = Coercion.BindBinary(BinaryOp.Subtract, plus, Col(batch, "t"));
        Assert.Equal(new IntervalValue(0, 0, 90 * Timestamps.NanosPerSecond), Eval(diff, batch)[0]);
    }

    [Fact]
    public void LikeAndRegex()
    {
        var batch = Batch(("s", DataType.Utf8, ["hello", "Help", "xhel", null]));
        var s = Col(batch, "s");
        Assert.Equal([true, false, false, null], Eval(Coercion.BindBinary(BinaryOp.Like, s, Literal.Of("hel%")), batch));
        Assert.Equal([true, true, false, null], Eval(Coercion.BindBinary(BinaryOp.ILike, s, Literal.Of("hel%")), batch));
        Assert.Equal([true, false, true, null], Eval(Coercion.BindBinary(BinaryOp.Like, s, Literal.Of("%h_l%")), batch));
        Assert.Equal([true, true, false, null], Eval(Coercion.BindBinary(BinaryOp.RegexMatch, s, Literal.Of("^[hH]el")), batch));
    }

    [Fact]
    public void ConcatOperator()
    {
        var batch = Batch(("s", DataType.Utf8, ["a", null]), ("n", DataType.Int64, [1L, 2L]));
        Assert.Equal(["a1", null], Eval(Coercion.BindBinary(BinaryOp.Concat, Col(batch, "s"), Col(batch, "n")), batch));
    }

    [Fact]
    public void JsonArrows()
    {
        var batch = Batch(("j", DataType.Json, ["{\"driver_id\": 155, \"kind\": \"pickup\"}", null]));
        var j = Col(batch, "j");
        Assert.Equal(["155", null], Eval(Coercion.BindBinary(BinaryOp.JsonGet, j, Literal.Of("driver_id")), batch));
        Assert.Equal(["\"pickup\"", null], Eval(Coercion.BindBinary(BinaryOp.JsonGet, j, Literal.Of("kind")), batch));
        Assert.Equal(["null", null], Eval(Coercion.BindBinary(BinaryOp.JsonGet, j, Literal.Of("missing")), batch));
        Assert.Equal(["pickup", null], Eval(Coercion.BindBinary(BinaryOp.JsonGetText, j, Literal.Of("kind")), batch));
        Assert.Equal(DataType.Json, Coercion.BindBinary(BinaryOp.JsonGet, j, Literal.Of("kind")).Type);
    }

    [Fact]
    public void FieldAccessOnStruct()
    {
        var type = DataType.Struct([new Field("start", DataType.Int64), new Field("end", DataType.Int64)]);
        var batch = Batch(("w", type, [new object?[] { 1L, 2L }, null]));
        Assert.Equal([2L, null], Eval(new FieldAccess(Col(batch, "w"), 1), batch));
    }
}

public sealed class ConstantKernelTests
{
    [Fact]
    public void LiteralServesBatchesOfEveryLengthFromOneColumn()
    {
        // Lengths as a filter leaves them: the longest first, then shorter, longer and equal ones.
        foreach (var literal in new Arroyo.Expressions.Bound.BoundExpr[] { Literal.Of("x1"), Literal.Of(7L), Literal.Of(2.5), Literal.Of(true) })
        {
            var compiled = ExprCompiler.Compile(literal, TestFunctions.Scalar);
            var expected = ((Literal)literal).Value;
            foreach (var rows in new[] { 8, 3, 0, 8, 5, 12, 12, 1 })
            {
                var values = Enumerable.Range(0, rows).Select(i => (object?)(long)i).ToArray();
                var column = compiled.Evaluate(Batch(("a", DataType.Int64, values)));
                Assert.Equal(rows, column.Length);
                Assert.All(Enumerable.Range(0, rows), r => Assert.Equal(expected, column.GetValue(r)));
            }
        }
    }

    [Fact]
    public void ShorterBatchesShareTheLongestColumnsArrays()
    {
        var compiled = ExprCompiler.Compile(Literal.Of("abc"), TestFunctions.Scalar);
        var longest = (Arroyo.Core.Columns.StringColumn)compiled.Evaluate(Batch(("a", DataType.Int64, [1L, 2L, 3L, 4L])));
        var shorter = (Arroyo.Core.Columns.StringColumn)compiled.Evaluate(Batch(("a", DataType.Int64, [1L, 2L])));
        Assert.Same(longest.Data, shorter.Data);
        Assert.Equal(2, shorter.Length);
        Assert.Equal("abc", shorter.GetString(1));
    }
}
