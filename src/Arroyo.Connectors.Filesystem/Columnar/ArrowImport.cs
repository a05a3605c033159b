using Apache.Arrow;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Column = Arroyo.Core.Columns.Column;
using DataType = Arroyo.Core.Types.DataType;

namespace Arroyo.Connectors.Filesystem.Columnar;

/// <summary>
/// Arrow arrays read from Parquet as our columns of a table's declared types. Values are
/// converted one by one (numbers widen or narrow, timestamps of any unit become nanoseconds,
/// anything becomes text), so a file written by another tool with other widths still reads.
/// </summary>
internal static class ArrowImport
{
    public static Column ToColumn(IArrowArray array, DataType type)
    {
        var builder = ColumnBuilder.Create(type, array.Length);
        for (var i = 0; i < array.Length; i++) builder.AppendObject(Convert(ValueAt(array, i), type));
        return builder.Build();
    }

    /// <summary>Row <paramref name="i"/> as the CLR value our builders take for its kind (null for NULL).</summary>
    private static object? ValueAt(IArrowArray array, int i)
    {
        if (array.IsNull(i)) return null;
        return array switch
        {
            BooleanArray a => a.GetValue(i),
            Int8Array a => a.GetValue(i),
            Int16Array a => a.GetValue(i),
            Int32Array a => a.GetValue(i),
            Int64Array a => a.GetValue(i),
            UInt8Array a => a.GetValue(i),
            UInt16Array a => a.GetValue(i),
            UInt32Array a => a.GetValue(i),
            UInt64Array a => a.GetValue(i),
            FloatArray a => a.GetValue(i),
            DoubleArray a => a.GetValue(i),
            Decimal128Array a => a.GetValue(i),
            StringArray a => a.GetString(i),
            BinaryArray a => a.GetBytes(i).ToArray(),
            TimestampArray a => TimestampNanos(a, i),
            Date32Array a => a.GetValue(i),
            Date64Array a => (int)(a.GetValue(i)!.Value / 86_400_000),
            Time64Array a => a.GetValue(i) * (((Apache.Arrow.Types.Time64Type)a.Data.DataType).Unit == Apache.Arrow.Types.TimeUnit.Microsecond ? 1000 : 1),
            Time32Array a => (long)a.GetValue(i)! * (((Apache.Arrow.Types.Time32Type)a.Data.DataType).Unit == Apache.Arrow.Types.TimeUnit.Millisecond ? 1_000_000 : 1_000_000_000),
            ListArray a => ListValues(a, i),
            StructArray a => a.Fields.Select(f => ValueAt(f, i)).ToArray(),
            DictionaryArray a => ValueAt(a.Dictionary, IndexOf(a.Indices, i)),
            NullArray => null,
            _ => throw new NotSupportedException($"Arrow type {array.Data.DataType.Name}"),
        };
    }

    private static object?[] ListValues(ListArray list, int i)
    {
        var start = list.ValueOffsets[i];
        var end = list.ValueOffsets[i + 1];
        var values = new object?[end - start];
        for (var j = start; j < end; j++) values[j - start] = ValueAt(list.Values, j);
        return values;
    }

    private static int IndexOf(IArrowArray indices, int i) => indices switch
    {
        Int8Array a => a.GetValue(i)!.Value,
        Int16Array a => a.GetValue(i)!.Value,
        Int32Array a => a.GetValue(i)!.Value,
        Int64Array a => (int)a.GetValue(i)!.Value,
        UInt8Array a => a.GetValue(i)!.Value,
        UInt16Array a => a.GetValue(i)!.Value,
        UInt32Array a => (int)a.GetValue(i)!.Value,
        _ => throw new NotSupportedException("dictionary indices of type " + indices.Data.DataType.Name),
    };

    private static long TimestampNanos(TimestampArray array, int i)
    {
        var raw = array.GetValue(i)!.Value;
        return ((Apache.Arrow.Types.TimestampType)array.Data.DataType).Unit switch
        {
            Apache.Arrow.Types.TimeUnit.Second => raw * 1_000_000_000,
            Apache.Arrow.Types.TimeUnit.Millisecond => raw * 1_000_000,
            Apache.Arrow.Types.TimeUnit.Microsecond => raw * 1_000,
            _ => raw,
        };
    }

    /// <summary>A value read from the file as the CLR value of the declared <paramref name="type"/>.</summary>
    private static object? Convert(object? value, DataType type)
    {
        if (value is null) return null;
        switch (type.Kind)
        {
            case TypeKind.Utf8:
                return value switch
                {
                    string s => s,
                    byte[] b => System.Text.Encoding.UTF8.GetString(b),
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                };
            case TypeKind.Binary:
                return value is string text ? System.Text.Encoding.UTF8.GetBytes(text) : value;
            case TypeKind.List:
                return value is object?[] items ? items.Select(v => Convert(v, type.Element!)).ToArray() : value;
            case TypeKind.Struct:
                return value is object?[] fields
                    ? type.Fields.Select((f, k) => k < fields.Length ? Convert(fields[k], f.Type) : null).ToArray()
                    : value;
            case TypeKind.Timestamp or TypeKind.Time:
                return value is long ? value : System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            case TypeKind.Date:
                return value is int ? value : System.Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        var clr = ColumnBuilder.PrimitiveClrType(type);
        if (clr is null || clr == value.GetType()) return value;
        return System.Convert.ChangeType(value, clr, System.Globalization.CultureInfo.InvariantCulture);
    }
}
