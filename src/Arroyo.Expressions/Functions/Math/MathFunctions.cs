using System.Numerics;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>Math functions; like DataFusion most compute in DOUBLE, abs keeps its type, gcd/lcm/factorial are BIGINT.</summary>
internal static class MathFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("abs", new Overload([Numeric], t => t[0], AbsFactory()));
        Unary(r, "ceil", Math.Ceiling);
        Unary(r, "floor", Math.Floor);
        r.Add("round", [Float64, BigInt], DataType.Float64, Fn.Rows(a => RoundTo((double)a[0]!, a.Length > 1 ? (long)a[1]! : 0)), minArgs: 1);
        r.Add("trunc", [Float64, BigInt], DataType.Float64, Fn.Rows(a => TruncTo((double)a[0]!, a.Length > 1 ? (long)a[1]! : 0)), minArgs: 1);
        Unary(r, "sqrt", Math.Sqrt);
        Unary(r, "cbrt", Math.Cbrt);
        Unary(r, "exp", Math.Exp);
        Unary(r, "ln", Math.Log);
        Unary(r, "log2", Math.Log2);
        Unary(r, "log10", Math.Log10);
        r.Add("log", [Float64], DataType.Float64, Fn.F64(Math.Log10));
        r.Add("log", [Float64, Float64], DataType.Float64, Fn.F64((b, x) => Math.Log(x) / Math.Log(b)));
        foreach (var (name, f) in new (string, Func<double, double>)[]
                 {
                     ("sin", Math.Sin), ("cos", Math.Cos), ("tan", Math.Tan), ("asin", Math.Asin), ("acos", Math.Acos),
                     ("atan", Math.Atan), ("sinh", Math.Sinh), ("cosh", Math.Cosh), ("tanh", Math.Tanh),
                     ("asinh", Math.Asinh), ("acosh", Math.Acosh), ("atanh", Math.Atanh),
                     ("cot", x => 1 / Math.Tan(x)), ("degrees", x => x * 180 / Math.PI), ("radians", x => x * Math.PI / 180),
                     ("signum", x => double.IsNaN(x) ? x : x == 0 ? 0 : Math.Sign(x)),
                 })
        {
            Unary(r, name, f);
        }
        r.Alias("sign", "signum");
        r.Add("atan2", [Float64, Float64], DataType.Float64, Fn.F64(Math.Atan2));
        r.Add("power", [BigInt, BigInt], DataType.Int64, Fn.Rows(a => IntPow((long)a[0]!, (long)a[1]!)));
        r.Add("power", [Float64, Float64], DataType.Float64, Fn.F64(Math.Pow));
        r.Alias("pow", "power");
        r.Add("pi", [], DataType.Float64, Fn.Rows(_ => Math.PI, nullsIn: true));
        r.Add("random", [], DataType.Float64, (_, ret) => Fn.Kernel((_, n) =>
        {
            var v = new double[n];
            for (var i = 0; i < n; i++) v[i] = Random.Shared.NextDouble();
            return new PrimitiveColumn<double>(ret, v, n);
        }), isVolatile: true);
        r.Add("gcd", [BigInt, BigInt], DataType.Int64, Fn.Rows(a => Gcd((long)a[0]!, (long)a[1]!)));
        r.Add("lcm", [BigInt, BigInt], DataType.Int64, Fn.Rows(a => Lcm((long)a[0]!, (long)a[1]!)));
        r.Add("factorial", [BigInt], DataType.Int64, Fn.Rows(a => Factorial((long)a[0]!)));
        r.Add("isnan", [Float64], DataType.Boolean, Fn.Rows(a => double.IsNaN((double)a[0]!)));
        r.Add("iszero", [Float64], DataType.Boolean, Fn.Rows(a => (double)a[0]! == 0));
        r.Add("nanvl", [Float64, Float64], DataType.Float64, Fn.Rows(a => double.IsNaN((double)a[0]!) ? a[1] : a[0]));
    }

    private static void Unary(FunctionRegistry r, string name, Func<double, double> f) =>
        r.Add(name, [Float64], DataType.Float64, Fn.F64(f));

    private static double RoundTo(double x, long digits)
    {
        var scale = Math.Pow(10, digits);
        return Math.Round(x * scale, MidpointRounding.AwayFromZero) / scale;
    }

    private static double TruncTo(double x, long digits)
    {
        var scale = Math.Pow(10, digits);
        return Math.Truncate(x * scale) / scale;
    }

    private static long IntPow(long b, long e)
    {
        if (e < 0) throw new DataException("Arithmetic overflow: exponent must not be negative");
        try
        {
            return checked((long)BigInteger.Pow(b, (int)e));
        }
        catch (OverflowException)
        {
            throw new DataException($"Arithmetic overflow: Overflow happened on: {b} ^ {e}");
        }
    }

    private static long Gcd(long a, long b)
    {
        a = Math.Abs(a);
        b = Math.Abs(b);
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static long Lcm(long a, long b) => a == 0 || b == 0 ? 0 : Math.Abs(a / Gcd(a, b) * b);

    private static long Factorial(long n)
    {
        if (n < 0) return 1;
        if (n > 20) throw new DataException($"Overflow happened on FACTORIAL({n})");
        long result = 1;
        for (var i = 2L; i <= n; i++) result *= i;
        return result;
    }

    private static ScalarKernelFactory AbsFactory() => (_, ret) => TypeDispatch.Numeric(ret, new AbsVisitor(ret));

    private sealed class AbsVisitor(DataType type) : INumericVisitor<ScalarKernel>
    {
        public ScalarKernel Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T> => Fn.Kernel((args, n) =>
        {
            if (args[0] is not PrimitiveColumn<T> c) return NullColumns.Of(type, n);
            var result = new T[n];
            for (var i = 0; i < n; i++) result[i] = T.Abs(c.Values[i]);
            return new PrimitiveColumn<T>(type, result, n, c.Validity);
        });
    }
}
