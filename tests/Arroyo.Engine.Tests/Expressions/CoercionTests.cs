using Arroyo.Core.Errors;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using static Arroyo.Engine.Tests.Expressions.ExprTestKit;

namespace Arroyo.Engine.Tests.Expressions;

public sealed class CoercionTests
{
    private static ColumnRef C(DataType t, int i = 0) => new(i, $"c{i}", t);

    [Theory]
    [InlineData(TypeKind.Int32, TypeKind.Int64, TypeKind.Int64)]
    [InlineData(TypeKind.Int8, TypeKind.UInt8, TypeKind.Int16)]
    [InlineData(TypeKind.UInt32, TypeKind.Int32, TypeKind.Int64)]
    [InlineData(TypeKind.Int64, TypeKind.Float32, TypeKind.Float32)]
    [InlineData(TypeKind.Float32, TypeKind.Float64, TypeKind.Float64)]
    public void ArithmeticResultTypes(TypeKind a, TypeKind b, TypeKind expected)
    {
        var e = Coercion.BindBinary(BinaryOp.Add, C(Simple(a)), C(Simple(b), 1));
        Assert.Equal(expected, e.Type.Kind);
    }

    [Fact]
    public void SignedWithUInt64IsDecimal()
    {
        var e = Coercion.BindBinary(BinaryOp.Add, C(DataType.Int64), C(DataType.UInt64, 1));
        Assert.Equal(TypeKind.Decimal, e.Type.Kind);
    }

    [Fact]
    public void IntegerDivisionStaysInteger()
    {
        var e = Coercion.BindBinary(BinaryOp.Divide, Literal.Of(7L), Literal.Of(2L));
        Assert.Equal(DataType.Int64, e.Type);
        Assert.Equal(3L, ((Literal)e).Value);
    }

    [Fact]
    public void TemporalArithmetic()
    {
        var ts = C(DataType.Timestamp);
        Assert.Equal(DataType.Interval, Coercion.BindBinary(BinaryOp.Subtract, ts, C(DataType.Timestamp, 1)).Type);
        Assert.Equal(DataType.Timestamp, Coercion.BindBinary(BinaryOp.Add, ts, Literal.Of(new IntervalValue(0, 0, 5))).Type);
        Assert.Equal(DataType.Timestamp, Coercion.BindBinary(BinaryOp.Add, Literal.Of(new IntervalValue(0, 1, 0)), ts).Type);
    }

    [Fact]
    public void StringLiteralComparedWithTimestampBecomesTimestamp()
    {
        var e = (BinaryExpr)Coercion.BindBinary(BinaryOp.Greater, C(DataType.Timestamp), Literal.Of("2023-01-02 03:04:05"));
        var right = Assert.IsType<Literal>(e.Right);
        Assert.Equal(DataType.Timestamp, right.Type);
        Assert.True(Timestamps.TryParse("2023-01-02T03:04:05", out var expected));
        Assert.Equal(expected, right.Value);
    }

    [Fact]
    public void BadLiteralCastFailsAtBindTimeWithSpan()
    {
        var span = new SourceSpan(3, 8, 1, 4);
        var ex = Assert.Throws<UserException>(() => Coercion.BindCast(Literal.Of("abc"), DataType.Int64, false, span));
        Assert.Equal(span, ex.Span);
        Assert.Null(Lit(Coercion.BindCast(Literal.Of("abc"), DataType.Int64, true)));
    }

    [Fact]
    public void ArithmeticOnTextIsRejected()
    {
        var ex = Assert.Throws<UserException>(() => Coercion.BindBinary(BinaryOp.Add, C(DataType.Utf8), Literal.Of(1L)));
        Assert.Contains("Cannot coerce arithmetic expression", ex.Message);
    }

    [Fact]
    public void UnknownFunctionSuggestsCloseName()
    {
        var ex = Assert.Throws<UserException>(() => TestFunctions.Scalar.BindCall("lowr", [Literal.Of("a")]));
        Assert.Contains("unknown function 'lowr'", ex.Message);
        Assert.Contains("'lower'", ex.Message);
    }

    [Fact]
    public void WrongArgumentsNameSignatures()
    {
        var ex = Assert.Throws<UserException>(() => TestFunctions.Scalar.BindCall("substr", [Literal.Of(true)]));
        Assert.Contains("substr", ex.Message);
        Assert.Contains("accepted", ex.Message);
    }

    [Fact]
    public void CaseBranchesGetCommonType()
    {
        var e = Coercion.BindCase(null, [(Coercion.BindBinary(BinaryOp.Greater, C(DataType.Int32), Literal.Of(1L)), Literal.Of(1))], Literal.Of(2.5));
        Assert.Equal(DataType.Float64, e.Type);
        Assert.Equal("CASE WHEN (c0 > 1) THEN 1 ELSE 2.5 END", e.ToString());
    }

    [Fact]
    public void ConstantCallsAreFolded()
    {
        var e = TestFunctions.Scalar.BindCall("upper", [Literal.Of("abc")]);
        Assert.Equal("ABC", Assert.IsType<Literal>(e).Value);
        Assert.False(TestFunctions.Scalar.BindCall("now", []) is Literal);
    }

    private static DataType Simple(TypeKind k) => k switch
    {
        TypeKind.Int8 => DataType.Int8,
        TypeKind.Int32 => DataType.Int32,
        TypeKind.Int64 => DataType.Int64,
        TypeKind.UInt8 => DataType.UInt8,
        TypeKind.UInt32 => DataType.UInt32,
        TypeKind.Float32 => DataType.Float32,
        _ => DataType.Float64,
    };
}
