using System.Numerics;
using System.Runtime.CompilerServices;

namespace Arroyo.Expressions.Kernels;

/// <summary>A comparison as a struct type argument (inlined into kernel loops).</summary>
internal interface ICompareOp
{
    static abstract bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool>;

    /// <summary>The answer from a three-way comparison result (strings, booleans).</summary>
    static abstract bool FromOrder(int order);
}

internal readonly struct EqOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a == b;

    public static bool FromOrder(int order) => order == 0;
}

internal readonly struct NeOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a != b;

    public static bool FromOrder(int order) => order != 0;
}

internal readonly struct LtOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a < b;

    public static bool FromOrder(int order) => order < 0;
}

internal readonly struct LeOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a <= b;

    public static bool FromOrder(int order) => order <= 0;
}

internal readonly struct GtOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a > b;

    public static bool FromOrder(int order) => order > 0;
}

internal readonly struct GeOp : ICompareOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Apply<T>(T a, T b) where T : IComparisonOperators<T, T, bool> => a >= b;

    public static bool FromOrder(int order) => order >= 0;
}
