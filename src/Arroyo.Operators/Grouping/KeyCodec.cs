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
