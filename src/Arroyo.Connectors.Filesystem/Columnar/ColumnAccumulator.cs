using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Filesystem.Columnar;

/// <summary>
/// Collects one column of many batches into buffers it keeps and reuses, so a writer can hand
/// the rows on in large record batches. Values are copied in as each batch arrives (a block copy
/// for fixed-width values and strings): the engine's batches then die young, where holding them
/// until a large batch is complete would have the GC promote and copy them.
/// </summary>
/// <remarks>
/// The column <see cref="Take"/> returns wraps the buffers: it is valid until the next
/// <see cref="Append"/>, long enough for a writer that copies it during a call (Parquet
/// encodes the values into its pages). The buffers are reused because fresh arrays of megabytes
/// come from the operating system page by page, and those page faults cost more than the copy.
/// </remarks>
internal abstract class ColumnAccumulator
{
    /// <summary>Rows appended since the last <see cref="Take"/>.</summary>
    public int Count { get; protected set; }

    public abstract void Append(Column source);

    /// <summary>The rows appended so far as one column; the accumulator starts over empty.</summary>
    public abstract Column Take();

    public static ColumnAccumulator For(DataType type) => type.Kind switch
    {
        TypeKind.Boolean => new Primitive<bool>(type),
        TypeKind.Int8 => new Primitive<sbyte>(type),
        TypeKind.Int16 => new Primitive<short>(type),
        TypeKind.Int32 or TypeKind.Date => new Primitive<int>(type),
        TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => new Primitive<long>(type),
        TypeKind.UInt8 => new Primitive<byte>(type),
        TypeKind.UInt16 => new Primitive<ushort>(type),
        TypeKind.UInt32 => new Primitive<uint>(type),
        TypeKind.UInt64 => new Primitive<ulong>(type),
        TypeKind.Float32 => new Primitive<float>(type),
        TypeKind.Float64 => new Primitive<double>(type),
        TypeKind.Decimal => new Primitive<decimal>(type),
        TypeKind.Utf8 or TypeKind.Binary => new Strings(type),
        // Lists, structs and the rest are rare in files and cheap enough row by row.
        _ => new RowByRow(type),
    };

    /// <summary>A buffer of at least <paramref name="length"/> elements holding <paramref name="buffer"/>'s first <paramref name="keep"/>.</summary>
    protected static T[] Grow<T>(T[] buffer, int length, int keep)
    {
        if (buffer.Length >= length) return buffer;
        // Doubling (and a first size of several batches) keeps the copies and the page faults of
        // fresh arrays to about one pass over the final size while the first record batch fills;
        // later ones reuse the buffer. The spare room is at most seven first batches, or what the rows
        // already take.
        var size = buffer.Length == 0 ? (long)length * 8 : Math.Max(length, (long)buffer.Length * 2);
        // Every element up to the count is written before it is read, so skip zeroing.
        var grown = GC.AllocateUninitializedArray<T>((int)Math.Min(size, Array.MaxLength));
        buffer.AsSpan(0, keep).CopyTo(grown);
        return grown;
    }

    /// <summary>Null rows, by position since the last take: few in most columns, so kept as a list.</summary>
    private protected sealed class NullRows
    {
        private readonly List<int> _rows = [];

        public void Append(Column source, int at)
        {
            if (source.Validity is not { } validity) return;
            for (var r = 0; r < source.Length; r++)
            {
                if (!validity.Get(r)) _rows.Add(at + r);
            }
        }

        public Bitmap? Take(int count)
        {
            if (_rows.Count == 0) return null;
            var bitmap = new Bitmap(count, initialValue: true);
            foreach (var row in _rows) bitmap.Clear(row);
            _rows.Clear();
            return bitmap;
        }
    }

    private sealed class Primitive<T>(DataType type) : ColumnAccumulator where T : unmanaged
    {
        private readonly NullRows _nulls = new();
        private T[] _values = [];

        public override void Append(Column source)
        {
            _values = Grow(_values, Count + source.Length, Count);
            if (source is PrimitiveColumn<T> values) values.Span.CopyTo(_values.AsSpan(Count));
            // A column of another class under the same type (a placeholder) is copied value by value.
            else for (var r = 0; r < source.Length; r++) _values[Count + r] = source.GetValue(r) is T value ? value : default;
            _nulls.Append(source, Count);
            Count += source.Length;
        }

        public override Column Take()
        {
            var column = new PrimitiveColumn<T>(type, _values, Count, _nulls.Take(Count));
            Count = 0;
            return column;
        }
    }

    private sealed class Strings(DataType type) : ColumnAccumulator
    {
        private readonly NullRows _nulls = new();
        private byte[] _data = [];
        private int[] _offsets = [0];

        public override void Append(Column source)
        {
            if (source is not StringColumn strings)
            {
                throw new InvalidOperationException($"a {source.GetType().Name} in a {type} column; this is a bug");
            }
            var first = strings.Offsets[0];
            var bytes = strings.Offsets[strings.Length] - first;
            var written = _offsets[Count];
            _data = Grow(_data, written + bytes, written);
            _offsets = Grow(_offsets, Count + strings.Length + 1, Count + 1);
            strings.Data.AsSpan(first, bytes).CopyTo(_data.AsSpan(written));
            var shift = written - first;
            var offsets = _offsets.AsSpan(Count + 1, strings.Length);
            var from = strings.Offsets.AsSpan(1, strings.Length);
            for (var r = 0; r < offsets.Length; r++) offsets[r] = from[r] + shift;
            _nulls.Append(source, Count);
            Count += strings.Length;
        }

        public override Column Take()
        {
            var column = new StringColumn(type, _data, _offsets, Count, _nulls.Take(Count));
            Count = 0;
            return column;
        }
    }

    private sealed class RowByRow(DataType type) : ColumnAccumulator
    {
        private ColumnBuilder _builder = ColumnBuilder.Create(type);

        public override void Append(Column source)
        {
            for (var r = 0; r < source.Length; r++) _builder.AppendFrom(source, r);
            Count += source.Length;
        }

        public override Column Take()
        {
            var column = _builder.Build();
            _builder = ColumnBuilder.Create(type);
            Count = 0;
            return column;
        }
    }
}
