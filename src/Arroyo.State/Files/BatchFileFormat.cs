using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.State.Files;

/// <summary>
/// The columnar binary encoding of batches in state files: a type descriptor per field, then
/// each column as its validity words and raw value arrays (little-endian, as in memory), so
/// writing and reading is a copy per column rather than work per row. Versioned by the file
/// header that <see cref="StateFile"/> writes.
/// </summary>
internal static class BatchFileFormat
{
    public static void WriteBatch(BinaryWriter writer, Batch batch) => WriteBatch(writer, batch, default);

    /// <summary>
    /// Writes the <paramref name="picked"/> rows of <paramref name="batch"/> (empty: every row) as
    /// one batch, gathered column by column straight into the writer: the same bytes as writing
    /// <c>batch.Take(picked)</c>, without building it.
    /// </summary>
    public static void WriteBatch(BinaryWriter writer, Batch batch, ReadOnlySpan<int> picked)
    {
        writer.Write(batch.Schema.Count);
        foreach (var field in batch.Schema.Fields)
        {
            writer.Write(field.Name);
            writer.Write(field.Nullable);
            WriteType(writer, field.Type);
        }
        var rows = picked.IsEmpty ? batch.RowCount : picked.Length;
        writer.Write(rows);
        foreach (var column in batch.Columns) WriteColumn(writer, column, rows, picked);
    }

    /// <summary>
    /// About the bytes <see cref="WriteBatch(BinaryWriter, Batch, ReadOnlySpan{int})"/> writes
    /// for the batch (or its <paramref name="picked"/> rows): exact for flat columns, a guess for
    /// the schema and nested columns. Used to size buffers and cut parts, never to read.
    /// </summary>
    public static long EstimateSize(Batch batch, ReadOnlySpan<int> picked = default)
    {
        long size = 8 + batch.Schema.Fields.Sum(f => 16L + f.Name.Length * 3L);
        foreach (var column in batch.Columns) size += picked.IsEmpty ? ColumnSize(column, batch.RowCount) : PickedSize(column, picked);
        return size;
    }

    private static long ColumnSize(Column column, int rows)
    {
        long size = 1 + (column.Validity is { } validity ? validity.Words.Length * 8L : 0);
        return size + column switch
        {
            NullColumn => 0,
            StringColumn s => (rows + 1) * 4L + 4 + (s.Offsets[rows] - s.Offsets[0]),
            ListColumn l => (rows + 1) * 4L + 4 + ColumnSize(l.Values, l.Values.Length),
            StructColumn st => st.Children.Sum(c => ColumnSize(c, rows)),
            _ => (long)rows * ElementSize(column.Type.Kind),
        };
    }

    private static long PickedSize(Column column, ReadOnlySpan<int> picked)
    {
        var rows = picked.Length;
        long size = 1 + (column.Validity is not null ? (rows + 63) / 64 * 8L : 0);
        switch (column)
        {
            case NullColumn:
                return size;
            case StringColumn s:
                var offsets = s.Offsets;
                foreach (var r in picked) size += offsets[r + 1] - offsets[r];
                return size + (rows + 1) * 4L + 4;
            case ListColumn or StructColumn:
                // Nested columns are written from a copy of the rows (rare in state): a share of the whole.
                return size + ColumnSize(column, column.Length) * rows / Math.Max(1, column.Length);
            default:
                return size + (long)rows * ElementSize(column.Type.Kind);
        }
    }

    private static int ElementSize(TypeKind kind) => kind switch
    {
        TypeKind.Boolean or TypeKind.Int8 or TypeKind.UInt8 => 1,
        TypeKind.Int16 or TypeKind.UInt16 => 2,
        TypeKind.Int32 or TypeKind.UInt32 or TypeKind.Float32 or TypeKind.Date => 4,
        TypeKind.Decimal or TypeKind.Interval => 16,
        _ => 8,
    };

    public static Batch ReadBatch(BinaryReader reader)
    {
        var fieldCount = CheckedCount(reader, reader.ReadInt32(), 1);
        var fields = new Field[fieldCount];
        for (var i = 0; i < fieldCount; i++)
        {
            var name = reader.ReadString();
            var nullable = reader.ReadBoolean();
            fields[i] = new Field(name, ReadType(reader), nullable);
        }
        var rows = reader.ReadInt32();
        if (rows < 0) throw new InvalidDataException($"bad row count {rows}");
        var columns = new Column[fieldCount];
        for (var i = 0; i < fieldCount; i++) columns[i] = ReadColumn(reader, fields[i].Type, rows);
        return new Batch(new Schema(fields), columns, rows);
    }

    private static void WriteType(BinaryWriter writer, DataType type)
    {
        writer.Write((byte)type.Kind);
        writer.Write(type.IsJson);
        switch (type.Kind)
        {
            case TypeKind.Decimal:
                writer.Write(type.Precision);
                writer.Write(type.Scale);
                break;
            case TypeKind.List:
                WriteType(writer, type.Element!);
                break;
            case TypeKind.Struct:
                writer.Write(type.Fields.Count);
                foreach (var f in type.Fields)
                {
                    writer.Write(f.Name);
                    writer.Write(f.Nullable);
                    WriteType(writer, f.Type);
                }
                break;
        }
    }

    private static DataType ReadType(BinaryReader reader)
    {
        var kind = (TypeKind)reader.ReadByte();
        var isJson = reader.ReadBoolean();
        switch (kind)
        {
            case TypeKind.Decimal:
                return DataType.Decimal(reader.ReadInt32(), reader.ReadInt32());
            case TypeKind.List:
                return DataType.List(ReadType(reader));
            case TypeKind.Struct:
                var count = CheckedCount(reader, reader.ReadInt32(), 1);
                var fields = new Field[count];
                for (var i = 0; i < count; i++)
                {
                    var name = reader.ReadString();
                    var nullable = reader.ReadBoolean();
                    fields[i] = new Field(name, ReadType(reader), nullable);
                }
                return DataType.Struct(fields);
            case TypeKind.Utf8:
                return isJson ? DataType.Json : DataType.Utf8;
            default:
                return ScalarType(kind);
        }
    }

    private static DataType ScalarType(TypeKind kind) => kind switch
    {
        TypeKind.Null => DataType.Null,
        TypeKind.Boolean => DataType.Boolean,
        TypeKind.Int8 => DataType.Int8,
        TypeKind.Int16 => DataType.Int16,
        TypeKind.Int32 => DataType.Int32,
        TypeKind.Int64 => DataType.Int64,
        TypeKind.UInt8 => DataType.UInt8,
        TypeKind.UInt16 => DataType.UInt16,
        TypeKind.UInt32 => DataType.UInt32,
        TypeKind.UInt64 => DataType.UInt64,
        TypeKind.Float32 => DataType.Float32,
        TypeKind.Float64 => DataType.Float64,
        TypeKind.Binary => DataType.Binary,
        TypeKind.Timestamp => DataType.Timestamp,
        TypeKind.Date => DataType.Date,
        TypeKind.Time => DataType.Time,
        TypeKind.Interval => DataType.Interval,
        _ => throw new InvalidDataException($"unknown type kind {(int)kind} in state file"),
    };

    /// <summary>Writes the first <paramref name="rows"/> rows of <paramref name="column"/>, or with <paramref name="picked"/> not empty those rows (<paramref name="rows"/> of them).</summary>
    private static void WriteColumn(BinaryWriter writer, Column column, int rows, ReadOnlySpan<int> picked)
    {
        if (!picked.IsEmpty && column is ListColumn or StructColumn)
        {
            // Nested columns are rare in state tables: gathered by taking the rows.
            WriteColumn(writer, column.Take(picked), rows, default);
            return;
        }
        if (column.Validity is { } validity)
        {
            writer.Write(true);
            writer.Write(MemoryMarshal.AsBytes(picked.IsEmpty ? validity.Words : validity.Take(picked).Words));
        }
        else
        {
            writer.Write(false);
        }
        switch (column)
        {
            case NullColumn:
                break;
            case StringColumn s when picked.IsEmpty:
                writer.Write(MemoryMarshal.AsBytes(s.Offsets.AsSpan(0, rows + 1)));
                writer.Write(s.Offsets[rows] - s.Offsets[0]);
                writer.Write(s.Data.AsSpan(s.Offsets[0], s.Offsets[rows] - s.Offsets[0]));
                break;
            case StringColumn s:
                WriteStrings(writer, s, picked);
                break;
            case ListColumn l:
                writer.Write(MemoryMarshal.AsBytes(l.Offsets.AsSpan(0, rows + 1)));
                writer.Write(l.Values.Length);
                WriteColumn(writer, l.Values, l.Values.Length, default);
                break;
            case StructColumn st:
                foreach (var child in st.Children) WriteColumn(writer, child, rows, default);
                break;
            default:
                WritePrimitive(writer, column, rows, picked);
                break;
        }
    }

    /// <summary>The picked rows of a text column: offsets from 0, then each row's bytes.</summary>
    private static void WriteStrings(BinaryWriter writer, StringColumn column, ReadOnlySpan<int> picked)
    {
        var source = column.Offsets;
        var offsets = ArrayPool<int>.Shared.Rent(picked.Length + 1);
        var total = 0;
        offsets[0] = 0;
        for (var i = 0; i < picked.Length; i++)
        {
            var r = picked[i];
            total += source[r + 1] - source[r];
            offsets[i + 1] = total;
        }
        writer.Write(MemoryMarshal.AsBytes(offsets.AsSpan(0, picked.Length + 1)));
        ArrayPool<int>.Shared.Return(offsets);
        writer.Write(total);
        var data = column.Data;
        foreach (var r in picked) writer.Write(data.AsSpan(source[r], source[r + 1] - source[r]));
    }

    /// <summary>The first <paramref name="rows"/> values as they are in memory, or the <paramref name="picked"/> ones gathered through a pooled buffer.</summary>
    private static void WritePrimitive(BinaryWriter writer, Column column, int rows, ReadOnlySpan<int> picked)
    {
        if (column is not IFixedWidthColumn values) throw new InvalidOperationException($"cannot store a column of {column.Type} (this is a bug)");
        var bytes = values.ValueBytes;
        var width = values.ValueWidth;
        if (picked.IsEmpty)
        {
            writer.Write(bytes[..(rows * width)]);
            return;
        }
        var gathered = ArrayPool<byte>.Shared.Rent(picked.Length * width);
        switch (width)
        {
            case 8: Gather<ulong>(bytes, picked, gathered); break;
            case 4: Gather<uint>(bytes, picked, gathered); break;
            case 1: Gather<byte>(bytes, picked, gathered); break;
            default:
                for (var i = 0; i < picked.Length; i++) bytes.Slice(picked[i] * width, width).CopyTo(gathered.AsSpan(i * width));
                break;
        }
        writer.Write(gathered.AsSpan(0, picked.Length * width));
        ArrayPool<byte>.Shared.Return(gathered);
    }

    private static void Gather<T>(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> picked, byte[] gathered) where T : unmanaged
    {
        var source = MemoryMarshal.Cast<byte, T>(bytes);
        var target = MemoryMarshal.Cast<byte, T>(gathered.AsSpan());
        for (var i = 0; i < picked.Length; i++) target[i] = source[picked[i]];
    }

    private static Column ReadColumn(BinaryReader reader, DataType type, int rows)
    {
        Bitmap? validity = null;
        if (reader.ReadBoolean())
        {
            CheckedCount(reader, rows, 1.0 / 8);
            validity = new Bitmap(rows);
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(validity.Words));
        }
        switch (type.Kind)
        {
            case TypeKind.Null:
                return new NullColumn(rows);
            case TypeKind.Utf8 or TypeKind.Binary:
            {
                var offsets = ReadArray<int>(reader, rows + 1);
                var start = offsets[0];
                if (start != 0) for (var i = 0; i <= rows; i++) offsets[i] -= start;
                var data = ReadArray<byte>(reader, reader.ReadInt32());
                return new StringColumn(type, data, offsets, rows, validity);
            }
            case TypeKind.List:
            {
                var offsets = ReadArray<int>(reader, rows + 1);
                var childRows = CheckedCount(reader, reader.ReadInt32(), 0);
                var values = ReadColumn(reader, type.Element!, childRows);
                return new ListColumn(type, values, offsets, rows, validity);
            }
            case TypeKind.Struct:
            {
                var children = type.Fields.Select(f => ReadColumn(reader, f.Type, rows)).ToArray();
                return new StructColumn(type, children, rows, validity);
            }
            case TypeKind.Boolean: return new PrimitiveColumn<bool>(type, ReadArray<bool>(reader, rows), rows, validity);
            case TypeKind.Int8: return new PrimitiveColumn<sbyte>(type, ReadArray<sbyte>(reader, rows), rows, validity);
            case TypeKind.Int16: return new PrimitiveColumn<short>(type, ReadArray<short>(reader, rows), rows, validity);
            case TypeKind.Int32 or TypeKind.Date: return new PrimitiveColumn<int>(type, ReadArray<int>(reader, rows), rows, validity);
            case TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time: return new PrimitiveColumn<long>(type, ReadArray<long>(reader, rows), rows, validity);
            case TypeKind.UInt8: return new PrimitiveColumn<byte>(type, ReadArray<byte>(reader, rows), rows, validity);
            case TypeKind.UInt16: return new PrimitiveColumn<ushort>(type, ReadArray<ushort>(reader, rows), rows, validity);
            case TypeKind.UInt32: return new PrimitiveColumn<uint>(type, ReadArray<uint>(reader, rows), rows, validity);
            case TypeKind.UInt64: return new PrimitiveColumn<ulong>(type, ReadArray<ulong>(reader, rows), rows, validity);
            case TypeKind.Float32: return new PrimitiveColumn<float>(type, ReadArray<float>(reader, rows), rows, validity);
            case TypeKind.Float64: return new PrimitiveColumn<double>(type, ReadArray<double>(reader, rows), rows, validity);
            case TypeKind.Decimal: return new PrimitiveColumn<decimal>(type, ReadArray<decimal>(reader, rows), rows, validity);
            case TypeKind.Interval: return new PrimitiveColumn<IntervalValue>(type, ReadArray<IntervalValue>(reader, rows), rows, validity);
            default: throw new InvalidDataException($"unknown type {type} in state file");
        }
    }

    /// <summary>
    /// A length read from the file, refused if negative or if that many items of
    /// <paramref name="bytesPerItem"/> cannot fit in what is left of the file: garbage never
    /// turns into a huge allocation.
    /// </summary>
    private static int CheckedCount(BinaryReader reader, int count, double bytesPerItem)
    {
        var left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (count < 0 || count * bytesPerItem > left) throw new InvalidDataException($"bad length {count} ({left} bytes left)");
        return count;
    }

    private static T[] ReadArray<T>(BinaryReader reader, int count) where T : unmanaged
    {
        // Uninitialized: every byte is read over at once, so zeroing it first (a pass over a
        // restore's whole state, and the page faults of touching it) would be wasted.
        var result = GC.AllocateUninitializedArray<T>(CheckedCount(reader, count, System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }
}
