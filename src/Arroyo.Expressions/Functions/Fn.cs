using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions;

/// <summary>Kernel factories for function implementations, from the fully typed to the row-wise boxed (cold functions).</summary>
internal static class Fn
{
    private sealed class DelegateKernel(Func<Column[], int, Column> f) : ScalarKernel
    {
        public override Column Invoke(Column[] args, int rowCount) => f(args, rowCount);
    }

    public static ScalarKernel Kernel(Func<Column[], int, Column> f) => new DelegateKernel(f);

    /// <summary>Row-wise over boxed values; NULL in → NULL out unless <paramref name="nullsIn"/>.</summary>
    public static ScalarKernelFactory Rows(Func<object?[], object?> f, bool nullsIn = false) =>
        (_, ret) => Kernel((args, n) => RowKernel.Run(args, n, f, ret, !nullsIn));

    /// <summary>Row-wise with access to the bound arguments (to prepare constants once).</summary>
    public static ScalarKernelFactory Rows(Func<IReadOnlyList<BoundExpr>, Func<object?[], object?>> prepare, bool nullsIn = false) =>
        (bound, ret) =>
        {
            var f = prepare(bound);
            return Kernel((args, n) => RowKernel.Run(args, n, f, ret, !nullsIn));
        };

    /// <summary>DOUBLE → DOUBLE in a typed loop.</summary>
    public static ScalarKernelFactory F64(Func<double, double> f) => (_, ret) => Kernel((args, n) =>
    {
        if (args[0] is not PrimitiveColumn<double> c) return NullColumns.Of(ret, n);
        var result = new double[n];
        var v = c.Values;
        for (var i = 0; i < n; i++) result[i] = f(v[i]);
        return new PrimitiveColumn<double>(ret, result, n, c.Validity);
    });

    /// <summary>(DOUBLE, DOUBLE) → DOUBLE in a typed loop.</summary>
    public static ScalarKernelFactory F64(Func<double, double, double> f) => (_, ret) => Kernel((args, n) =>
    {
        if (args[0] is not PrimitiveColumn<double> a || args[1] is not PrimitiveColumn<double> b) return NullColumns.Of(ret, n);
        var result = new double[n];
        for (var i = 0; i < n; i++) result[i] = f(a.Values[i], b.Values[i]);
        return new PrimitiveColumn<double>(ret, result, n, Bitmap.AndValidity(a.Validity, b.Validity));
    });

    /// <summary>TEXT → TEXT per row (through a string).</summary>
    public static ScalarKernelFactory Str(Func<string, string?> f) => (_, ret) => Kernel((args, n) =>
    {
        if (args[0] is not StringColumn c) return NullColumns.Of(ret, n);
        var builder = new StringColumnBuilder(ret, n);
        for (var i = 0; i < n; i++)
        {
            var r = c.IsValid(i) ? f(c.GetString(i)) : null;
            if (r is null) builder.AppendNull();
            else builder.Append(r);
        }
        return builder.Build();
    });

    /// <summary>TEXT → fixed-width value per row, reading UTF-8 bytes directly.</summary>
    public static ScalarKernelFactory Utf8To<T>(Func<ReadOnlySpan<byte>, T> f) where T : unmanaged => (_, ret) => Kernel((args, n) =>
    {
        if (args[0] is not StringColumn c) return NullColumns.Of(ret, n);
        var result = new T[n];
        for (var i = 0; i < n; i++) if (c.IsValid(i)) result[i] = f(c.GetBytes(i));
        return new PrimitiveColumn<T>(ret, result, n, c.Validity);
    });

    /// <summary>The constant value of argument <paramref name="index"/>, or null when it is not a literal.</summary>
    public static object? Const(IReadOnlyList<BoundExpr> args, int index) =>
        index < args.Count && args[index] is Literal l ? l.Value : null;
}
