using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>
/// Columns of the right type and length whose values nobody reads: what a source or filter
/// puts where the planner proved a column (or struct field) unused, instead of generating or
/// copying it. Zeros, empty strings, no nulls. The arrays behind them are shared and
/// immutable like every column's, so a placeholder costs no allocation per batch beyond
/// the column object.
/// </summary>
public static class PlaceholderColumns
{
    public static Column Of(DataType type, int length) => type.Kind switch
    {
        TypeKind.Null => new NullColumn(length),
        TypeKind.Boolean => Primitive<bool>(type, length),
        TypeKind.Int8 => Primitive<sbyte>(type, length),
        TypeKind.Int16 => Primitive<short>(type, length),
        TypeKind.Int32 or TypeKind.Date => Primitive<int>(type, length),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => Primitive<long>(type, length),
        TypeKind.UInt8 => Primitive<byte>(type, length),
        TypeKind.UInt16 => Primitive<ushort>(type, length),
        TypeKind.UInt32 => Primitive<uint>(type, length),
        TypeKind.UInt64 => Primitive<ulong>(type, length),
        TypeKind.Float32 => Primitive<float>(type, length),
        TypeKind.Float64 => Primitive<double>(type, length),
        TypeKind.Decimal => Primitive<decimal>(type, length),
        TypeKind.Interval => Primitive<IntervalValue>(type, length),
        TypeKind.Utf8 or TypeKind.Binary => new StringColumn(type, [], Zeros<int>.Get(length + 1), length),
        TypeKind.List => new ListColumn(type, Of(type.Element!, 0), Zeros<int>.Get(length + 1), length),
        TypeKind.Struct => new StructColumn(type, type.Fields.Select(f => Of(f.Type, length)).ToArray(), length),
        _ => throw new NotSupportedException($"no placeholder column for {type}"),
    };

    private static PrimitiveColumn<T> Primitive<T>(DataType type, int length) where T : unmanaged =>
        new(type, Zeros<T>.Get(length), length);

    /// <summary>One shared zero array per element type, replaced by a longer one when a caller needs more.</summary>
    private static class Zeros<T> where T : unmanaged
    {
        private static T[] s_array = new T[4097];

        public static T[] Get(int length)
        {
            var array = Volatile.Read(ref s_array);
            if (array.Length >= length) return array;
            array = new T[Math.Max(length, array.Length * 2)];
            Volatile.Write(ref s_array, array);
            return array;
        }
    }
}
