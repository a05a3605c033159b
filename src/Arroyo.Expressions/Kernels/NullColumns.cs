using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Kernels;

internal static class NullColumns
{
    /// <summary>An all-NULL column of <paramref name="type"/>.</summary>
    public static Column Of(DataType type, int rowCount)
    {
        if (type.Kind == TypeKind.Null) return new NullColumn(rowCount);
        var builder = ColumnBuilder.Create(type, rowCount);
        for (var i = 0; i < rowCount; i++) builder.AppendNull();
        return builder.Build();
    }

    /// <summary>The same values with another validity mask (shares the value buffers).</summary>
    public static Column WithValidity(Column column, Bitmap? validity) => column switch
    {
        StringColumn s => new StringColumn(s.Type, s.Data, s.Offsets, s.Length, validity),
        ListColumn l => new ListColumn(l.Type, l.Values, l.Offsets, l.Length, validity),
        StructColumn st => new StructColumn(st.Type, st.Children, st.Length, validity),
        NullColumn n => n,
        _ => WithValidityPrimitive(column, validity),
    };

    /// <summary>A copy labelled with another type of the same storage (TEXT↔JSON, BIGINT↔TIMESTAMP).</summary>
    public static Column Relabel(Column column, DataType type) => column switch
    {
        StringColumn s => new StringColumn(type, s.Data, s.Offsets, s.Length, s.Validity),
        PrimitiveColumn<long> p => new PrimitiveColumn<long>(type, p.Values, p.Length, p.Validity),
        PrimitiveColumn<int> p => new PrimitiveColumn<int>(type, p.Values, p.Length, p.Validity),
        _ => throw new NotSupportedException($"cannot relabel {column.Type} as {type}"),
    };

    private static Column WithValidityPrimitive(Column column, Bitmap? validity) => column switch
    {
        PrimitiveColumn<bool> p => new PrimitiveColumn<bool>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<sbyte> p => new PrimitiveColumn<sbyte>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<short> p => new PrimitiveColumn<short>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<int> p => new PrimitiveColumn<int>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<long> p => new PrimitiveColumn<long>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<byte> p => new PrimitiveColumn<byte>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<ushort> p => new PrimitiveColumn<ushort>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<uint> p => new PrimitiveColumn<uint>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<ulong> p => new PrimitiveColumn<ulong>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<float> p => new PrimitiveColumn<float>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<double> p => new PrimitiveColumn<double>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<decimal> p => new PrimitiveColumn<decimal>(p.Type, p.Values, p.Length, validity),
        PrimitiveColumn<IntervalValue> p => new PrimitiveColumn<IntervalValue>(p.Type, p.Values, p.Length, validity),
        _ => throw new NotSupportedException($"no validity rewrap for {column.GetType().Name}"),
    };
}
