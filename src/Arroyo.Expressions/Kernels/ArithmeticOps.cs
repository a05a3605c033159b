using System.Numerics;
using System.Runtime.CompilerServices;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// A binary numeric operator as a struct type argument, so the JIT inlines it into the
/// kernel loop (no delegate or virtual call per row).
/// </summary>
internal interface IArithmeticOp<T> where T : INumber<T>
{
    /// <summary>True for / and %: a zero divisor on a non-NULL row is a data error (as DataFusion's "Divide by zero error").</summary>
    static abstract bool ChecksZero { get; }

    static abstract T Apply(T a, T b);
}

// Integer overflow wraps (C# unchecked arithmetic), as DataFusion's default add_wrapping /
// sub_wrapping / mul_wrapping kernels do. Decimal overflow throws OverflowException, which
// the kernel reports as a data error.
internal readonly struct AddOp<T> : IArithmeticOp<T> where T : INumber<T>
{
    public static bool ChecksZero => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply(T a, T b) => a + b;
}

internal readonly struct SubtractOp<T> : IArithmeticOp<T> where T : INumber<T>
{
    public static bool ChecksZero => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply(T a, T b) => a - b;
}

internal readonly struct MultiplyOp<T> : IArithmeticOp<T> where T : INumber<T>
{
    public static bool ChecksZero => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply(T a, T b) => a * b;
}

/// <summary>Integer division truncates toward zero (SQL/Rust); floats follow IEEE (x/0 = ±inf, no error).</summary>
internal readonly struct DivideOp<T> : IArithmeticOp<T> where T : INumber<T>
{
    public static bool ChecksZero => typeof(T) != typeof(double) && typeof(T) != typeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply(T a, T b) => a / b;
}

internal readonly struct ModuloOp<T> : IArithmeticOp<T> where T : INumber<T>
{
    public static bool ChecksZero => typeof(T) != typeof(double) && typeof(T) != typeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Apply(T a, T b) => a % b;
}
