using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>
/// One column of a batch: <see cref="Length"/> values of one <see cref="DataType"/> stored
/// contiguously by a typed subclass, plus an optional validity mask (null = no nulls).
/// Columns are immutable once built, so batches can be shared between operators.
/// </summary>
public abstract class Column
{
    protected Column(DataType type, int length, Bitmap? validity)
    {
        Type = type;
        Length = length;
        Validity = validity;
    }

    public DataType Type { get; }

    public int Length { get; }

    /// <summary>Bit i set = row i has a value. Null when no row is null.</summary>
    public Bitmap? Validity { get; }

    public bool IsNull(int index) => Validity is not null && !Validity.Get(index);

    public bool IsValid(int index) => Validity is null || Validity.Get(index);

    public int NullCount => Validity is null ? 0 : Length - Validity.CountSet();

    /// <summary>
    /// About how many bytes the column's rows occupy (values, offsets, validity), for metrics:
    /// computed from lengths, never by visiting rows.
    /// </summary>
    public virtual long EstimatedBytes => Validity is null ? 0 : (Length + 7) / 8;

    /// <summary>The rows at <paramref name="indices"/>, in that order, as a new column.</summary>
    public Column Take(ReadOnlySpan<int> indices) => TakeWith(indices, TakeValidity(indices));

    /// <summary>
    /// <see cref="Take"/> with the result's validity already computed (by the caller, who may
    /// share one mask between columns that had one: struct fields share the struct's).
    /// </summary>
    public abstract Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity);

    /// <summary>Rows [offset, offset+length) as a new column.</summary>
    public abstract Column Slice(int offset, int length);

    /// <summary>
    /// Row <paramref name="index"/> as a boxed CLR value (null for SQL NULL). For tests,
    /// constants and cold paths only; hot loops read the typed arrays.
    /// Timestamps are <see cref="long"/> nanoseconds, strings <see cref="string"/>, lists
    /// <c>object?[]</c>, structs <c>object?[]</c> in field order.
    /// </summary>
    public abstract object? GetValue(int index);

    protected Bitmap? TakeValidity(ReadOnlySpan<int> indices) => Validity?.Take(indices);

    protected Bitmap? SliceValidity(int offset, int length)
    {
        if (Validity is null) return null;
        var result = new Bitmap(length);
        for (var i = 0; i < length; i++)
        {
            if (Validity.Get(offset + i)) result.Set(i);
        }
        return result;
    }

    /// <summary>A column of <paramref name="length"/> rows all equal to <paramref name="value"/>.</summary>
    public static Column Constant(DataType type, object? value, int length)
    {
        var builder = ColumnBuilder.Create(type, length);
        for (var i = 0; i < length; i++) builder.AppendObject(value);
        return builder.Build();
    }
}
