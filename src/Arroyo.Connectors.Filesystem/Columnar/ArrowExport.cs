using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using ArrowField = Apache.Arrow.Field;
using ArrowSchema = Apache.Arrow.Schema;
using Column = Arroyo.Core.Columns.Column;
using DataType = Arroyo.Core.Types.DataType;
using Field = Arroyo.Core.Types.Field;
using Schema = Arroyo.Core.Types.Schema;

namespace Arroyo.Connectors.Filesystem.Columnar;

/// <summary>
/// Our columns as Arrow arrays (what ParquetSharp's Arrow writer takes). Value buffers are
/// copied once; validity masks keep their bit layout (Arrow's is ours: LSB first). Timestamps
/// stay nanoseconds without a zone, as the reference writes them.
/// </summary>
internal static class ArrowExport
{
    /// <summary>The data columns (no <c>_timestamp</c>, <c>_is_retract</c>) of <paramref name="input"/>.</summary>
    public static int[] DataColumns(Schema input) => Enumerable.Range(0, input.Count)
        .Where(i => input[i].Name is not Schema.TimestampFieldName and not Schema.RetractFieldName)
        .ToArray();

    /// <exception cref="UserException">A column has a type Parquet cannot hold (INTERVAL).</exception>
    public static ArrowSchema SchemaOf(Schema input, int[] columns, string table)
    {
        var builder = new ArrowSchema.Builder();
        foreach (var i in columns) builder.Field(FieldOf(input[i], table));
        return builder.Build();
    }

    /// <summary>Data columns of equal length, in the schema's order, as one record batch.</summary>
    public static RecordBatch ToRecordBatch(ArrowSchema schema, IReadOnlyList<Column> columns)
    {
        var arrays = new IArrowArray[columns.Count];
        for (var c = 0; c < columns.Count; c++) arrays[c] = ToArray(columns[c]);
        return new RecordBatch(schema, arrays, columns.Count == 0 ? 0 : columns[0].Length);
    }

    private static ArrowField FieldOf(Field field, string table) => new(field.Name, TypeOf(field.Type, field.Name, table), field.Nullable);

    public static IArrowType TypeOf(DataType type, string name, string table) => type.Kind switch
    {
        TypeKind.Null => NullType.Default,
        TypeKind.Boolean => BooleanType.Default,
        TypeKind.Int8 => Int8Type.Default,
        TypeKind.Int16 => Int16Type.Default,
        TypeKind.Int32 => Int32Type.Default,
        TypeKind.Int64 => Int64Type.Default,
        TypeKind.UInt8 => UInt8Type.Default,
        TypeKind.UInt16 => UInt16Type.Default,
        TypeKind.UInt32 => UInt32Type.Default,
        TypeKind.UInt64 => UInt64Type.Default,
        TypeKind.Float32 => FloatType.Default,
        TypeKind.Float64 => DoubleType.Default,
        TypeKind.Decimal => new Decimal128Type(type.Precision, type.Scale),
        TypeKind.Utf8 => StringType.Default,
        TypeKind.Binary => BinaryType.Default,
        TypeKind.Timestamp => new TimestampType(TimeUnit.Nanosecond, (string?)null),
        TypeKind.Date => Date32Type.Default,
        TypeKind.Time => new Time64Type(TimeUnit.Nanosecond),
        TypeKind.List => new ListType(new ArrowField("item", TypeOf(type.Element!, name, table), true)),
        TypeKind.Struct => new StructType(type.Fields.Select(f => FieldOf(f, table)).ToList()),
        _ => throw new UserException(
            $"column '{name}' of table '{table}' has type {type}, which Parquet cannot store",
            hint: "cast it to TEXT or to numbers in the query"),
    };

    private static IArrowArray ToArray(Column column)
    {
        var validity = Validity(column);
        var nulls = column.NullCount;
        var length = column.Length;
        return column switch
        {
            NullColumn => new NullArray(length),
            PrimitiveColumn<bool> b => Booleans(b),
            PrimitiveColumn<sbyte> v => new Int8Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<short> v => new Int16Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<int> v when v.Type.Kind == TypeKind.Date => new Date32Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<int> v => new Int32Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<long> v when v.Type.Kind == TypeKind.Timestamp =>
                new TimestampArray(new TimestampType(TimeUnit.Nanosecond, (string?)null), Values(v), validity, length, nulls, 0),
            PrimitiveColumn<long> v when v.Type.Kind == TypeKind.Time =>
                new Time64Array(new Time64Type(TimeUnit.Nanosecond), Values(v), validity, length, nulls, 0),
            PrimitiveColumn<long> v => new Int64Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<byte> v => new UInt8Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<ushort> v => new UInt16Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<uint> v => new UInt32Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<ulong> v => new UInt64Array(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<float> v => new FloatArray(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<double> v => new DoubleArray(Values(v), validity, length, nulls, 0),
            PrimitiveColumn<decimal> d => Decimals(d),
            StringColumn s => Strings(s, validity, nulls),
            ListColumn l => new ListArray(
                TypeOf(l.Type, "", ""), length, Offsets(l.Offsets, length),
                ToArray(l.Values.Slice(l.Offsets[0], l.Offsets[length] - l.Offsets[0])), validity, nulls, 0),
            StructColumn s => new StructArray(
                TypeOf(s.Type, "", ""), length, s.Children.Select(ToArray).ToList(), validity, nulls, 0),
            _ => throw new InvalidOperationException($"no Arrow export for {column.GetType().Name} of {column.Type}; this is a bug"),
        };
    }

    private static ArrowBuffer Values<T>(PrimitiveColumn<T> column) where T : unmanaged
        => new(new ArrayMemory<T>(column.Values, column.Length).Memory);

    private static ArrowBuffer Validity(Column column)
    {
        if (column.Validity is null || column.NullCount == 0) return ArrowBuffer.Empty;
        var bytes = MemoryMarshal.AsBytes(column.Validity.Words);
        return new ArrowBuffer(bytes[..((column.Length + 7) / 8)].ToArray());
    }

    private static BooleanArray Booleans(PrimitiveColumn<bool> column)
    {
        var builder = new BooleanArray.Builder().Reserve(column.Length);
        for (var i = 0; i < column.Length; i++)
        {
            if (column.IsNull(i)) builder.AppendNull();
            else builder.Append(column[i]);
        }
        return builder.Build();
    }

    private static Decimal128Array Decimals(PrimitiveColumn<decimal> column)
    {
        var builder = new Decimal128Array.Builder(new Decimal128Type(column.Type.Precision, column.Type.Scale)).Reserve(column.Length);
        for (var i = 0; i < column.Length; i++)
        {
            if (column.IsNull(i)) builder.AppendNull();
            else builder.Append(column[i]);
        }
        return builder.Build();
    }

    private static IArrowArray Strings(StringColumn column, ArrowBuffer validity, int nulls)
    {
        var start = column.Offsets[0];
        var end = column.Offsets[column.Length];
        // The common case (a column built for this batch) is wrapped as it is; a slice is rebased.
        var data = start == 0 ? new ArrowBuffer(column.Data.AsMemory(0, end)) : new ArrowBuffer(column.Data.AsSpan(start, end - start).ToArray());
        var offsets = start == 0 ? new ArrowBuffer(new ArrayMemory<int>(column.Offsets, column.Length + 1).Memory) : Offsets(column.Offsets, column.Length);
        return column.Type.Kind == TypeKind.Binary
            ? new BinaryArray(BinaryType.Default, column.Length, offsets, data, validity, nulls, 0)
            : new StringArray(column.Length, offsets, data, validity, nulls, 0);
    }

    /// <summary>Offsets rebased to start at 0 (a sliced column's start elsewhere).</summary>
    private static ArrowBuffer Offsets(int[] offsets, int length)
    {
        var rebased = new int[length + 1];
        var first = offsets[0];
        for (var i = 0; i <= length; i++) rebased[i] = offsets[i] - first;
        return new ArrowBuffer(MemoryMarshal.AsBytes(rebased.AsSpan()).ToArray());
    }
}
