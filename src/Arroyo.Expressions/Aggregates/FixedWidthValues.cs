using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>Builds a <typeparamref name="TResult"/> over the CLR type a fixed-width column holds its values in.</summary>
internal interface IFixedWidthFactory<out TResult>
{
    TResult Create<T>() where T : unmanaged, IEquatable<T>;
}

/// <summary>The CLR value type of each fixed-width SQL type that value tables (DISTINCT counts) are kept for.</summary>
internal static class FixedWidthValues
{
    /// <summary><paramref name="factory"/>'s result over <paramref name="type"/>'s values, or null when they are not fixed-width.</summary>
    public static TResult? Create<TResult>(DataType type, IFixedWidthFactory<TResult> factory) where TResult : class => type.Kind switch
    {
        TypeKind.Boolean => factory.Create<bool>(),
        TypeKind.Int8 => factory.Create<sbyte>(),
        TypeKind.Int16 => factory.Create<short>(),
        TypeKind.Int32 or TypeKind.Date => factory.Create<int>(),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => factory.Create<long>(),
        TypeKind.UInt8 => factory.Create<byte>(),
        TypeKind.UInt16 => factory.Create<ushort>(),
        TypeKind.UInt32 => factory.Create<uint>(),
        TypeKind.UInt64 => factory.Create<ulong>(),
        TypeKind.Float32 => factory.Create<float>(),
        TypeKind.Float64 => factory.Create<double>(),
        TypeKind.Decimal => factory.Create<decimal>(),
        _ => null,
    };
}
