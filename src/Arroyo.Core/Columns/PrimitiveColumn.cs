using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>
/// Fixed-width values (integers, floats, booleans, decimals, timestamps as <see cref="long"/>
/// nanoseconds, dates as <see cref="int"/> days, intervals as <see cref="IntervalValue"/>).
/// <see cref="Values"/> may be longer than <see cref="Column.Length"/>; rows past it are garbage.
/// A null row's value slot holds default(T).
/// </summary>
public sealed class PrimitiveColumn<T> : Column, IFixedWidthColumn where T : unmanaged
{
    public PrimitiveColumn(DataType type, T[] values, int length, Bitmap? validity = null)
        : base(type, length, validity)
    {
        if (values.Length < length) throw new ArgumentException("values shorter than length", nameof(values));
        Values = values;
    }

    public PrimitiveColumn(DataType type, T[] values, Bitmap? validity = null)
        : this(type, values, values.Length, validity)
    {
    }

    public T[] Values { get; }

    public ReadOnlySpan<T> Span => Values.AsSpan(0, Length);

    public ReadOnlySpan<byte> ValueBytes => System.Runtime.InteropServices.MemoryMarshal.AsBytes(Span);

    public int ValueWidth => System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public override long EstimatedBytes => base.EstimatedBytes + (long)Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public T this[int index] => Values[index];

    public override Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity)
    {
        var result = GC.AllocateUninitializedArray<T>(indices.Length);
        var source = Values;
        for (var i = 0; i < indices.Length; i++) result[i] = source[indices[i]];
        return new PrimitiveColumn<T>(Type, result, indices.Length, validity);
    }

    public override Column Slice(int offset, int length) =>
        new PrimitiveColumn<T>(Type, Values.AsSpan(offset, length).ToArray(), length, SliceValidity(offset, length));

    public override object? GetValue(int index) => IsNull(index) ? null : Values[index];
}

/// <summary>A column of fixed-width values, seen as bytes: for code that moves values without caring for their type (state files).</summary>
public interface IFixedWidthColumn
{
    /// <summary>The <see cref="Column.Length"/> values as they lie in memory (little-endian), <see cref="ValueWidth"/> bytes each.</summary>
    ReadOnlySpan<byte> ValueBytes { get; }

    int ValueWidth { get; }
}
