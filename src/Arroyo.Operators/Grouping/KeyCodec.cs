using System.Buffers.Binary;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// Encodes a row's key columns as bytes (null flag, then the value: fixed-width little-endian,
/// length-prefixed bytes, or recursively for structs and lists) into a reusable buffer, so keys
/// compare as byte spans without boxing, and decodes them back into column builders for output.
/// </summary>
internal sealed class KeyCodec
{
    private readonly int[] _columns;
    private byte[] _buffer = new byte[64];
    private int _length;

    public KeyCodec(IReadOnlyList<int> columns)
    {
        _columns = columns.ToArray();
    }

    public ReadOnlySpan<int> Columns => _columns;

    /// <summary>Encodes row <paramref name="row"/> with an 8-byte prefix (e.g. the window start); the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(Column[] columns, int row, long prefix = 0)
    {
        _length = 0;
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(0, 8), prefix);
        _length = 8;
        foreach (var c in _columns) EncodeValue(columns[c], row);
        return _buffer.AsSpan(0, _length);
    }

    private void EncodeValue(Column column, int row)
    {
        Ensure(1);
        if (column.IsNull(row))
        {
            _buffer[_length++] = 0;
            return;
        }
        _buffer[_length++] = 1;
        switch (column)
        {
            case PrimitiveColumn<long> c: Put(c.Values[row]); break;
            case PrimitiveColumn<ulong> c: Put(c.Values[row]); break;
            case PrimitiveColumn<int> c: Put(c.Values[row]); break;
            case PrimitiveColumn<uint> c: Put(c.Values[row]); break;
            case PrimitiveColumn<short> c: Put(c.Values[row]); break;
            case PrimitiveColumn<ushort> c: Put(c.Values[row]); break;
            case PrimitiveColumn<sbyte> c: Put(c.Values[row]); break;
            case PrimitiveColumn<byte> c: Put(c.Values[row]); break;
            case PrimitiveColumn<bool> c: Put(c.Values[row]); break;
            case PrimitiveColumn<double> c: Put(c.Values[row]); break;
            case PrimitiveColumn<float> c: Put(c.Values[row]); break;
            case PrimitiveColumn<decimal> c: Put(c.Values[row]); break;
            case PrimitiveColumn<IntervalValue> c: Put(c.Values[row]); break;
            case StringColumn s:
                var bytes = s.GetBytes(row);
                Put(bytes.Length);
                Ensure(bytes.Length);
                bytes.CopyTo(_buffer.AsSpan(_length));
                _length += bytes.Length;
                break;
            case StructColumn st:
                foreach (var child in st.Children) EncodeValue(child, row);
                break;
            case ListColumn list:
                Put(list.ElementCount(row));
                for (var j = list.Offsets[row]; j < list.Offsets[row + 1]; j++) EncodeValue(list.Values, j);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The keys of rows [0, <paramref name="rows"/>) of <paramref name="columns"/> at once, a key
    /// column at a time (no prefix; the same bytes as <see cref="Encode"/> gives per row, a
    /// fixed-width key padded with zeros to <paramref name="fixedWidth"/> as the index stores
    /// it): key r is <c>bytes[starts[r]..starts[r + 1]]</c>. False, and nothing encoded, when a
    /// key column is nested (struct or list): such keys go through <see cref="Encode"/> row by row.
    /// </summary>
    public bool TryEncodeRows(Column[] columns, int rows, int fixedWidth, ref byte[] bytes, ref int[] starts)
    {
        foreach (var c in _columns)
        {
            if (columns[c] is StructColumn or ListColumn || ValueSize(columns[c]) < 0) return false;
        }
        if (starts.Length < rows + 1) starts = new int[rows + 1];
        // Where each key starts, then (moving) where its next value goes.
        if (fixedWidth > 0)
        {
            for (var r = 0; r <= rows; r++) starts[r] = r * fixedWidth;
        }
        else
        {
            starts[0] = 0;
            for (var r = 0; r < rows; r++) starts[r + 1] = 0;
            foreach (var c in _columns)
            {
                var column = columns[c];
                var size = ValueSize(column);
                for (var r = 0; r < rows; r++)
                {
                    starts[r + 1] += 1 + (column.IsNull(r) ? 0 : size > 0 ? size : 4 + ((StringColumn)column).GetBytes(r).Length);
                }
            }
            for (var r = 0; r < rows; r++) starts[r + 1] += starts[r];
        }
        var total = starts[rows];
        if (bytes.Length < total) bytes = new byte[Math.Max(total, bytes.Length * 2)];
        if (fixedWidth > 0) bytes.AsSpan(0, total).Clear(); // a null leaves the padding after it zero
        var at = new int[rows];
        Array.Copy(starts, at, rows);
        foreach (var c in _columns)
        {
            switch (columns[c])
            {
                case PrimitiveColumn<long> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<ulong> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<int> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<uint> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<short> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<ushort> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<sbyte> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<byte> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<bool> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<double> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<float> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<decimal> p: PutColumn(p, bytes, at, rows); break;
                case PrimitiveColumn<IntervalValue> p: PutColumn(p, bytes, at, rows); break;
                case StringColumn s:
                    for (var r = 0; r < rows; r++)
                    {
                        if (s.IsNull(r))
                        {
                            bytes[at[r]++] = 0;
                            continue;
                        }
                        var value = s.GetBytes(r);
                        bytes[at[r]] = 1;
                        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at[r] + 1), value.Length);
                        value.CopyTo(bytes.AsSpan(at[r] + 5));
                        at[r] += 5 + value.Length;
                    }
                    break;
                default:
                    // A column of nulls only (the Null type): the flag alone.
                    for (var r = 0; r < rows; r++) bytes[at[r]++] = 0;
                    break;
            }
        }
        return true;
    }

    /// <summary>The width of the key of one 64-bit column as <see cref="TryEncodeRows"/> writes it: the null flag, then the value.</summary>
    public const int Int64KeyWidth = 9;

    /// <summary>
    /// The keys of rows [0, <paramref name="rows"/>) of one 64-bit key column as the first and
    /// last 8 bytes of the <see cref="Int64KeyWidth"/> bytes <see cref="TryEncodeRows"/> writes
    /// (<see cref="Arroyo.Execution.KeyIndex"/> takes keys in that form): a value <c>v</c> is the
    /// bytes <c>1, v</c>, whose words are <c>1 | v &lt;&lt; 8</c> and <c>v</c>; a null its flag 0 padded
    /// with zeros, both words 0.
    /// </summary>
    public static void Int64KeyWords(PrimitiveColumn<long> column, int rows, Span<ulong> first, Span<ulong> last)
    {
        var values = column.Values.AsSpan(0, rows);
        first = first[..rows];
        last = last[..rows];
        for (var r = 0; r < values.Length; r++)
        {
            var value = (ulong)values[r];
            first[r] = 1UL | (value << 8);
            last[r] = value;
        }
        if (column.Validity is null) return;
        for (var r = 0; r < rows; r++)
        {
            if (column.IsValid(r)) continue;
            first[r] = 0;
            last[r] = 0;
        }
    }

    /// <summary>Bytes of a value of the column as <see cref="Encode"/> writes it: its width, 0 for strings (length-prefixed) and nulls only, −1 if nested.</summary>
    private static int ValueSize(Column column) => column switch
    {
        PrimitiveColumn<long> or PrimitiveColumn<ulong> or PrimitiveColumn<double> => 8,
        PrimitiveColumn<int> or PrimitiveColumn<uint> or PrimitiveColumn<float> => 4,
        PrimitiveColumn<short> or PrimitiveColumn<ushort> => 2,
        PrimitiveColumn<sbyte> or PrimitiveColumn<byte> or PrimitiveColumn<bool> => 1,
        PrimitiveColumn<decimal> => 16,
        PrimitiveColumn<IntervalValue> => System.Runtime.CompilerServices.Unsafe.SizeOf<IntervalValue>(),
        StringColumn or NullColumn => 0,
        _ => -1,
    };

    private static void PutColumn<T>(PrimitiveColumn<T> column, byte[] bytes, int[] at, int rows) where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var values = column.Values;
        for (var r = 0; r < rows; r++)
        {
            if (column.IsNull(r))
            {
                bytes[at[r]++] = 0;
                continue;
            }
            bytes[at[r]] = 1;
            System.Runtime.InteropServices.MemoryMarshal.Write(bytes.AsSpan(at[r] + 1), in values[r]);
            at[r] += 1 + size;
        }
    }

    private void Put<T>(T value) where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        Ensure(size);
        System.Runtime.InteropServices.MemoryMarshal.Write(_buffer.AsSpan(_length), in value);
        _length += size;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }

    /// <summary>
    /// The largest encoded size of the values (without the prefix) when every key column is
    /// fixed-width, else 0. A null is encoded shorter (its flag only).
    /// </summary>
    public static int FixedWidth(IEnumerable<DataType> types)
    {
        var width = 0;
        foreach (var type in types)
        {
            var size = type.Kind switch
            {
                TypeKind.Null => 0,
                TypeKind.Boolean or TypeKind.Int8 or TypeKind.UInt8 => 1,
                TypeKind.Int16 or TypeKind.UInt16 => 2,
                TypeKind.Int32 or TypeKind.UInt32 or TypeKind.Float32 or TypeKind.Date => 4,
                TypeKind.Int64 or TypeKind.UInt64 or TypeKind.Float64 or TypeKind.Timestamp or TypeKind.Time => 8,
                TypeKind.Decimal => 16,
                _ => -1,
            };
            if (size < 0) return 0;
            width += 1 + size;
        }
        return width;
    }

    /// <summary>The prefix written by <see cref="Encode"/>.</summary>
    public static long Prefix(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadInt64LittleEndian(key);

    /// <summary>Appends the key's values (after the prefix) to one builder per key column.</summary>
    public static void Decode(ReadOnlySpan<byte> key, ColumnBuilder[] builders, int offset = 0) => DecodeValues(key, 8, builders, offset);

    /// <summary>As <see cref="Decode"/>, for a key whose values start at <paramref name="position"/> (0: stored without the prefix).</summary>
    public static void DecodeValues(ReadOnlySpan<byte> key, int position, ColumnBuilder[] builders, int offset = 0)
    {
        for (var i = 0; i < builders.Length - offset; i++) DecodeValue(key, ref position, builders[offset + i]);
    }

    private static void DecodeValue(ReadOnlySpan<byte> key, ref int position, ColumnBuilder builder)
    {
        if (key[position++] == 0)
        {
            if (builder is StructColumnBuilder sb)
            {
                // Children of a null struct were not encoded.
                sb.AppendNull();
            }
            else
            {
                builder.AppendNull();
            }
            return;
        }
        switch (builder)
        {
            case PrimitiveColumnBuilder<long> b: b.Append(Get<long>(key, ref position)); break;
            case PrimitiveColumnBuilder<ulong> b: b.Append(Get<ulong>(key, ref position)); break;
            case PrimitiveColumnBuilder<int> b: b.Append(Get<int>(key, ref position)); break;
            case PrimitiveColumnBuilder<uint> b: b.Append(Get<uint>(key, ref position)); break;
            case PrimitiveColumnBuilder<short> b: b.Append(Get<short>(key, ref position)); break;
            case PrimitiveColumnBuilder<ushort> b: b.Append(Get<ushort>(key, ref position)); break;
            case PrimitiveColumnBuilder<sbyte> b: b.Append(Get<sbyte>(key, ref position)); break;
            case PrimitiveColumnBuilder<byte> b: b.Append(Get<byte>(key, ref position)); break;
            case PrimitiveColumnBuilder<bool> b: b.Append(Get<bool>(key, ref position)); break;
            case PrimitiveColumnBuilder<double> b: b.Append(Get<double>(key, ref position)); break;
            case PrimitiveColumnBuilder<float> b: b.Append(Get<float>(key, ref position)); break;
            case PrimitiveColumnBuilder<decimal> b: b.Append(Get<decimal>(key, ref position)); break;
            case PrimitiveColumnBuilder<IntervalValue> b: b.Append(Get<IntervalValue>(key, ref position)); break;
            case StringColumnBuilder s:
                var length = Get<int>(key, ref position);
                s.Append(key.Slice(position, length));
                position += length;
                break;
            case StructColumnBuilder st:
                foreach (var child in st.Children) DecodeValue(key, ref position, child);
                st.EndRow();
                break;
            case ListColumnBuilder list:
                var count = Get<int>(key, ref position);
                for (var j = 0; j < count; j++) DecodeValue(key, ref position, list.Values);
                list.EndRow();
                break;
            default:
                builder.AppendNull();
                break;
        }
    }

    private static T Get<T>(ReadOnlySpan<byte> key, ref int position) where T : unmanaged
    {
        var value = System.Runtime.InteropServices.MemoryMarshal.Read<T>(key[position..]);
        position += System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return value;
    }
}
