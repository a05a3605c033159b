using System.Globalization;
using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>
/// Appends values row by row and produces an immutable <see cref="Column"/>. Typed
/// subclasses have allocation-free Append methods for hot loops; <see cref="AppendObject"/>
/// is the slow generic path (constants, tests, cold code).
/// </summary>
public abstract class ColumnBuilder
{
    protected ColumnBuilder(DataType type)
    {
        Type = type;
    }

    public DataType Type { get; }

    public abstract int Count { get; }

    public abstract void AppendNull();

    /// <summary>Appends a boxed value in the representation <see cref="Column.GetValue"/> returns.</summary>
    public abstract void AppendObject(object? value);

    /// <summary>Appends row <paramref name="index"/> of <paramref name="source"/> (same type).</summary>
    public abstract void AppendFrom(Column source, int index);

    public abstract Column Build();

    /// <summary>The CLR element type that stores values of <paramref name="type"/> in a <see cref="PrimitiveColumn{T}"/>, or null for non-primitive kinds.</summary>
    public static Type? PrimitiveClrType(DataType type) => type.Kind switch
    {
        TypeKind.Boolean => typeof(bool),
        TypeKind.Int8 => typeof(sbyte),
        TypeKind.Int16 => typeof(short),
        TypeKind.Int32 => typeof(int),
        TypeKind.Int64 => typeof(long),
        TypeKind.UInt8 => typeof(byte),
        TypeKind.UInt16 => typeof(ushort),
        TypeKind.UInt32 => typeof(uint),
        TypeKind.UInt64 => typeof(ulong),
        TypeKind.Float32 => typeof(float),
        TypeKind.Float64 => typeof(double),
        TypeKind.Decimal => typeof(decimal),
        TypeKind.Timestamp => typeof(long),
        TypeKind.Date => typeof(int),
        TypeKind.Time => typeof(long),
        TypeKind.Interval => typeof(IntervalValue),
        _ => null,
    };

    public static ColumnBuilder Create(DataType type, int capacity = 16) => type.Kind switch
    {
        TypeKind.Null => new NullColumnBuilder(),
        TypeKind.Boolean => new PrimitiveColumnBuilder<bool>(type, capacity),
        TypeKind.Int8 => new PrimitiveColumnBuilder<sbyte>(type, capacity),
        TypeKind.Int16 => new PrimitiveColumnBuilder<short>(type, capacity),
        TypeKind.Int32 => new PrimitiveColumnBuilder<int>(type, capacity),
        TypeKind.Int64 => new PrimitiveColumnBuilder<long>(type, capacity),
        TypeKind.UInt8 => new PrimitiveColumnBuilder<byte>(type, capacity),
        TypeKind.UInt16 => new PrimitiveColumnBuilder<ushort>(type, capacity),
        TypeKind.UInt32 => new PrimitiveColumnBuilder<uint>(type, capacity),
        TypeKind.UInt64 => new PrimitiveColumnBuilder<ulong>(type, capacity),
        TypeKind.Float32 => new PrimitiveColumnBuilder<float>(type, capacity),
        TypeKind.Float64 => new PrimitiveColumnBuilder<double>(type, capacity),
        TypeKind.Decimal => new PrimitiveColumnBuilder<decimal>(type, capacity),
        TypeKind.Timestamp => new PrimitiveColumnBuilder<long>(type, capacity),
        TypeKind.Date => new PrimitiveColumnBuilder<int>(type, capacity),
        TypeKind.Time => new PrimitiveColumnBuilder<long>(type, capacity),
        TypeKind.Interval => new PrimitiveColumnBuilder<IntervalValue>(type, capacity),
        TypeKind.Utf8 or TypeKind.Binary => new StringColumnBuilder(type, capacity),
        TypeKind.List => new ListColumnBuilder(type, capacity),
        TypeKind.Struct => new StructColumnBuilder(type, capacity),
        _ => throw new NotSupportedException($"no column builder for {type}"),
    };
}

public sealed class NullColumnBuilder : ColumnBuilder
{
    private int _count;

    public NullColumnBuilder() : base(DataType.Null) { }

    public override int Count => _count;

    public override void AppendNull() => _count++;

    public override void AppendObject(object? value) => _count++;

    public override void AppendFrom(Column source, int index) => _count++;

    public override Column Build()
    {
        var column = new NullColumn(_count);
        _count = 0;
        return column;
    }
}

public sealed class PrimitiveColumnBuilder<T> : ColumnBuilder where T : unmanaged
{
    private T[] _values;
    private ValidityBuilder _validity;
    private int _count;
    /// <summary>The capacity to start with when the builder is used again after <see cref="Build"/>.</summary>
    private int _nextCapacity;

    public PrimitiveColumnBuilder(DataType type, int capacity = 16) : base(type)
    {
        _values = new T[Math.Max(capacity, 4)];
    }

    public override int Count => _count;

    public void Append(T value)
    {
        if (_count == _values.Length) Grow();
        _validity.AppendValid(_count);
        _values[_count++] = value;
    }

    public override void AppendNull()
    {
        if (_count == _values.Length) Grow();
        _validity.AppendNull(_count);
        _values[_count++] = default;
    }

    private void Grow() => Array.Resize(ref _values, Math.Max(Math.Max(_values.Length * 2, 4), _nextCapacity));

    public override void AppendObject(object? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }
        Append(value is T typed ? typed : ConvertTo(value));
    }

    public override void AppendFrom(Column source, int index)
    {
        if (source.IsNull(index)) AppendNull();
        else Append(((PrimitiveColumn<T>)source).Values[index]);
    }

    public override Column Build()
    {
        var column = new PrimitiveColumn<T>(Type, _values, _count, _validity.Build(_count));
        // Most builders build once: the next buffer is allocated (at this size) only if one is used again.
        _nextCapacity = Math.Max(_count, 4);
        _values = [];
        _count = 0;
        return column;
    }

    private static T ConvertTo(object value)
    {
        if (typeof(T) == typeof(IntervalValue) || typeof(T) == typeof(bool))
        {
            return (T)value;
        }
        return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Validity bits for a builder, allocated only once a null is appended (most columns have
/// none). Mutable struct: keep it in a field, never copy it.
/// </summary>
public struct ValidityBuilder
{
    private bool[]? _valid;

    public void AppendValid(int row)
    {
        if (_valid is null) return;
        Ensure(row);
        _valid[row] = true;
    }

    public void AppendNull(int row)
    {
        if (_valid is null)
        {
            // Every earlier row was valid.
            _valid = new bool[Math.Max(16, row * 2)];
            Array.Fill(_valid, true, 0, row);
        }
        Ensure(row);
        _valid[row] = false;
    }

    /// <summary>The validity of rows [0, count), or null if none was null; then resets.</summary>
    public Bitmap? Build(int count)
    {
        if (_valid is null) return null;
        var bitmap = new Bitmap(count);
        for (var i = 0; i < count; i++)
        {
            if (_valid[i]) bitmap.Set(i);
        }
        _valid = null;
        return bitmap;
    }

    private void Ensure(int row)
    {
        if (row >= _valid!.Length) Array.Resize(ref _valid, Math.Max(row + 1, _valid.Length * 2));
    }
}
