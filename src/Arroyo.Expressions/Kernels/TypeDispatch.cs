using System.Numerics;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Kernels;

/// <summary>Calls back with the CLR storage type of a numeric-like SQL type, so generic kernels are instantiated without reflection.</summary>
internal interface INumericVisitor<out TResult>
{
    TResult Visit<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

internal static class TypeDispatch
{
    /// <summary>True when values of <paramref name="type"/> are stored as an INumber (integers, floats, decimal, timestamps, dates, times).</summary>
    public static bool IsNumberStored(DataType type) =>
        type.IsNumeric || type.Kind is TypeKind.Timestamp or TypeKind.Date or TypeKind.Time;

    public static TResult Numeric<TResult>(DataType type, INumericVisitor<TResult> visitor) => type.Kind switch
    {
        TypeKind.Int8 => visitor.Visit<sbyte>(),
        TypeKind.Int16 => visitor.Visit<short>(),
        TypeKind.Int32 or TypeKind.Date => visitor.Visit<int>(),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => visitor.Visit<long>(),
        TypeKind.UInt8 => visitor.Visit<byte>(),
        TypeKind.UInt16 => visitor.Visit<ushort>(),
        TypeKind.UInt32 => visitor.Visit<uint>(),
        TypeKind.UInt64 => visitor.Visit<ulong>(),
        TypeKind.Float32 => visitor.Visit<float>(),
        TypeKind.Float64 => visitor.Visit<double>(),
        TypeKind.Decimal => visitor.Visit<decimal>(),
        _ => throw new NotSupportedException($"{type} is not stored as a number"),
    };
}
