using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using static Arroyo.Engine.Tests.Expressions.ExprTestKit;

namespace Arroyo.Engine.Tests.Expressions;

public sealed class CastTests
{
    private static object?[] Cast(DataType from, object?[] values, DataType to, bool isTry = false)
    {
        var batch = Batch(("v", from, values));
        return Eval(Coercion.BindCast(Col(batch, "v"), to, isTry), batch);
    }

    [Fact]
    public void NumericCasts()
    {
        Assert.Equal([1, null, -3], Cast(DataType.Int64, [1L, null, -3L], DataType.Int32));
        Assert.Equal([1L, 2L], Cast(DataType.Float64, [1.9, 2.2], DataType.Int64));
        Assert.Throws<DataException>(() => Cast(DataType.Int64, [1L << 40], DataType.Int32));
        Assert.Equal([null, 5], Cast(DataType.Int64, [1L << 40, 5L], DataType.Int32, isTry: true));
        Assert.Equal([1.25m], Cast(DataType.Float64, [1.254], DataType.Decimal(10, 2)));
        // As arrow: round(v * 10^scale) in floating point; 4.435 is 4.43499… as a double.
        Assert.Equal([4.43m, -3m, 3m], Cast(DataType.Float64, [4.435, -2.5, 2.5], DataType.Decimal(10, 2)).Take(1).Concat(Cast(DataType.Float64, [-2.5, 2.5], DataType.Decimal(10, 0))));
    }

    [Fact]
    public void TextCasts()
    {
        Assert.Equal([42L, null], Cast(DataType.Utf8, [" 42", null], DataType.Int64));
        Assert.Throws<DataException>(() => Cast(DataType.Utf8, ["x"], DataType.Int64));
        Assert.Equal([null, 7L], Cast(DataType.Utf8, ["x", "7"], DataType.Int64, isTry: true));
        Assert.Equal(["1", "-2"], Cast(DataType.Int64, [1L, -2L], DataType.Utf8));
        Assert.Equal(["1.0", "0.5", "1e20"], Cast(DataType.Float64, [1.0, 0.5, 1e20], DataType.Utf8));
        Assert.Equal([true, false], Cast(DataType.Utf8, ["true", "f"], DataType.Boolean));
        Assert.Equal(["true"], Cast(DataType.Boolean, [true], DataType.Utf8));
    }

    [Fact]
    public void TimestampCasts()
    {
        var parsed = Cast(DataType.Utf8, ["2023-10-09T17:13:40.2Z", "2023-10-09 17:13:40"], DataType.Timestamp);
        Assert.Equal("2023-10-09T17:13:40.200", Timestamps.FormatIso((long)parsed[0]!));
        Assert.Equal(["2023-10-09T17:13:40.200"], Cast(DataType.Timestamp, [parsed[0]], DataType.Utf8));
        Assert.Equal([parsed[1]], Cast(DataType.Int64, [parsed[1]], DataType.Timestamp));
        Assert.Equal([parsed[1]], Cast(DataType.Timestamp, [parsed[1]], DataType.Int64));
        var date = Cast(DataType.Timestamp, [parsed[1]], DataType.Date);
        Assert.Equal(["2023-10-09"], Cast(DataType.Date, date, DataType.Utf8));
    }

    [Fact]
    public void JsonTextRelabel()
    {
        var batch = Batch(("v", DataType.Utf8, ["{\"a\":1}"]));
        var cast = Coercion.BindCast(Col(batch, "v"), DataType.Json, false);
        Assert.Equal(DataType.Json, cast.Type);
        Assert.Equal(["{\"a\":1}"], Eval(cast, batch));
    }

    [Fact]
    public void LiteralCastsFold()
    {
        var e = Coercion.BindCast(Literal.Of("12"), DataType.Int32, false);
        Assert.Equal(12, Assert.IsType<Literal>(e).Value);
    }
}
