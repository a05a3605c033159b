using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.UpdatingJoin;

/// <summary>
/// Builds one output column from rows of many batches at once: row i of the result is row
/// <c>rows[i]</c> of column <c>column</c> of <c>batches[slots[i]]</c>. A typed loop per column
/// (primitives, strings) instead of a builder call per value; other types go through builders.
/// </summary>
internal static class ColumnGather
{
    public static Column Gather(DataType type, Func<int, Batch> batchOf, int column, ReadOnlySpan<int> slots, ReadOnlySpan<int> rows)
    {
        var n = rows.Length;
        if (n == 0) return ColumnBuilder.Create(type, 0).Build();
        var first = batchOf(slots[0]).Columns[column];
        if (!first.Type.Equals(type)) return ViaBuilder(type, batchOf, column, slots, rows);
        var single = true;
        for (var i = 1; i < n && single; i++) single = slots[i] == slots[0];
        if (single) return first.Take(rows);
        return first switch
        {
            PrimitiveColumn<long> => Primitive<long>(type, batchOf, column, slots, rows),
            PrimitiveColumn<int> => Primitive<int>(type, batchOf, column, slots, rows),
            PrimitiveColumn<double> => Primitive<double>(type, batchOf, column, slots, rows),
            PrimitiveColumn<bool> => Primitive<bool>(type, batchOf, column, slots, rows),
            PrimitiveColumn<ulong> => Primitive<ulong>(type, batchOf, column, slots, rows),
            PrimitiveColumn<uint> => Primitive<uint>(type, batchOf, column, slots, rows),
            PrimitiveColumn<short> => Primitive<short>(type, batchOf, column, slots, rows),
            PrimitiveColumn<ushort> => Primitive<ushort>(type, batchOf, column, slots, rows),
            PrimitiveColumn<sbyte> => Primitive<sbyte>(type, batchOf, column, slots, rows),
            PrimitiveColumn<byte> => Primitive<byte>(type, batchOf, column, slots, rows),
            PrimitiveColumn<float> => Primitive<float>(type, batchOf, column, slots, rows),
            PrimitiveColumn<decimal> => Primitive<decimal>(type, batchOf, column, slots, rows),
            PrimitiveColumn<IntervalValue> => Primitive<IntervalValue>(type, batchOf, column, slots, rows),
            StringColumn => Strings(type, batchOf, column, slots, rows),
            _ => null,
        } ?? ViaBuilder(type, batchOf, column, slots, rows);
    }

    private static Column? Primitive<T>(DataType type, Func<int, Batch> batchOf, int column, ReadOnlySpan<int> slots, ReadOnlySpan<int> rows)
        where T : unmanaged
    {
        var n = rows.Length;
        var values = GC.AllocateUninitializedArray<T>(n);
        Bitmap? validity = null;
        var lastSlot = -1;
        PrimitiveColumn<T>? source = null;
        for (var i = 0; i < n; i++)
        {
            if (slots[i] != lastSlot)
            {
                lastSlot = slots[i];
                source = batchOf(lastSlot).Columns[column] as PrimitiveColumn<T>;
                if (source is null || !source.Type.Equals(type)) return null;
            }
            var r = rows[i];
            if (source!.Validity is { } v && !v.Get(r))
            {
                validity ??= new Bitmap(n, true);
                validity.Clear(i);
                values[i] = default;
            }
            else
            {
                values[i] = source.Values[r];
            }
        }
        return new PrimitiveColumn<T>(type, values, n, validity);
    }

    private static Column? Strings(DataType type, Func<int, Batch> batchOf, int column, ReadOnlySpan<int> slots, ReadOnlySpan<int> rows)
    {
        var n = rows.Length;
        var total = 0L;
        var lastSlot = -1;
        StringColumn? source = null;
        for (var i = 0; i < n; i++)
        {
            if (slots[i] != lastSlot)
            {
                lastSlot = slots[i];
                source = batchOf(lastSlot).Columns[column] as StringColumn;
                if (source is null || !source.Type.Equals(type)) return null;
            }
            total += source!.Offsets[rows[i] + 1] - source.Offsets[rows[i]];
        }
        if (total > int.MaxValue) return null;
        var data = GC.AllocateUninitializedArray<byte>((int)total);
        var offsets = GC.AllocateUninitializedArray<int>(n + 1);
        offsets[0] = 0;
        Bitmap? validity = null;
        var position = 0;
        lastSlot = -1;
        for (var i = 0; i < n; i++)
        {
            if (slots[i] != lastSlot)
            {
                lastSlot = slots[i];
                source = (StringColumn)batchOf(lastSlot).Columns[column];
            }
            var r = rows[i];
            if (source!.Validity is { } v && !v.Get(r))
            {
                validity ??= new Bitmap(n, true);
                validity.Clear(i);
                offsets[i + 1] = position;
                continue;
            }
            var start = source.Offsets[r];
            var length = source.Offsets[r + 1] - start;
            if (length > 0) source.Data.AsSpan(start, length).CopyTo(data.AsSpan(position));
            position += length;
            offsets[i + 1] = position;
        }
        return new StringColumn(type, data, offsets, n, validity);
    }

    private static Column ViaBuilder(DataType type, Func<int, Batch> batchOf, int column, ReadOnlySpan<int> slots, ReadOnlySpan<int> rows)
    {
        var builder = ColumnBuilder.Create(type, rows.Length);
        for (var i = 0; i < rows.Length; i++) builder.AppendFrom(batchOf(slots[i]).Columns[column], rows[i]);
        return builder.Build();
    }
}
