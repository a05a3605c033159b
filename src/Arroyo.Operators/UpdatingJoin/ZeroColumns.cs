using System.Runtime.InteropServices;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.UpdatingJoin;

/// <summary>
/// Finds the columns of a batch whose every value is the zero value (all bytes zero, no nulls;
/// for text and binary: every value empty). These are mostly columns the planner pruned, which
/// sources and filters fill with shared placeholders (<see cref="PlaceholderColumns"/>); the
/// join then emits placeholders for them instead of gathering zeros, and leaves them out of its
/// checkpoints. Decided by content, so a column that merely happens to be all zeros is handled
/// the same way, with the same values.
/// </summary>
internal static class ZeroColumns
{
    /// <summary>Bit c set: column c (c &lt; 64) of <paramref name="batch"/> holds only zero values, none null.</summary>
    public static ulong Of(Batch batch)
    {
        var mask = 0UL;
        var count = Math.Min(64, batch.Columns.Length);
        for (var c = 0; c < count; c++)
        {
            if (IsZero(batch.Columns[c], batch.RowCount)) mask |= 1UL << c;
        }
        return mask;
    }

    public static bool Has(ulong mask, int column) => column < 64 && (mask & (1UL << column)) != 0;

    public static bool IsZero(Column column, int rows)
    {
        if (rows > column.Length) return false;
        // A mask with every bit set (a struct field's, after a filter) is no null either.
        if (column.Validity is { } validity && (validity.Length != rows || validity.CountSet() != rows)) return false;
        return column switch
        {
            StringColumn s => s.Offsets[rows] == s.Offsets[0],
            PrimitiveColumn<long> p => Zero(p, rows),
            PrimitiveColumn<int> p => Zero(p, rows),
            PrimitiveColumn<double> p => Zero(p, rows),
            PrimitiveColumn<bool> p => Zero(p, rows),
            PrimitiveColumn<ulong> p => Zero(p, rows),
            PrimitiveColumn<uint> p => Zero(p, rows),
            PrimitiveColumn<short> p => Zero(p, rows),
            PrimitiveColumn<ushort> p => Zero(p, rows),
            PrimitiveColumn<sbyte> p => Zero(p, rows),
            PrimitiveColumn<byte> p => Zero(p, rows),
            PrimitiveColumn<float> p => Zero(p, rows),
            PrimitiveColumn<decimal> p => Zero(p, rows),
            PrimitiveColumn<IntervalValue> p => Zero(p, rows),
            _ => false,
        };
    }

    private static bool Zero<T>(PrimitiveColumn<T> column, int rows) where T : unmanaged =>
        MemoryMarshal.AsBytes(column.Values.AsSpan(0, rows)).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>
    /// A column of <paramref name="rows"/> zero values of <paramref name="type"/>, or null for a
    /// type whose zero column is not what <see cref="IsZero"/> finds.
    /// </summary>
    public static Column? Make(DataType type, int rows) => type.Kind switch
    {
        TypeKind.Null or TypeKind.List or TypeKind.Struct => null,
        _ => PlaceholderColumns.Of(type, rows),
    };
}
