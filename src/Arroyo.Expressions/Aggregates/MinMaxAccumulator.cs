using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary><c>min</c>/<c>max</c> over a fixed-width column, append-only (retracting input uses <see cref="ValueBagAccumulator"/>).</summary>
public sealed class MinMaxAccumulator<T> : GroupAccumulator where T : unmanaged, IComparable<T>
{
    private readonly bool _max;
    private T[] _values = [];
    private bool[] _has = [];

    public MinMaxAccumulator(bool max)
    {
        _max = max;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (PrimitiveColumn<T>)args[0];
        var values = column.Values;
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            var v = values[i];
            if (!_has[g])
            {
                _values[g] = v;
                _has[g] = true;
            }
            else
            {
                var c = v.CompareTo(_values[g]);
                if (_max ? c > 0 : c < 0) _values[g] = v;
            }
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        if (_has[group]) ((PrimitiveColumnBuilder<T>)output).Append(_values[group]);
        else output.AppendNull();
    }

    public override void EnsureCapacity(int count)
    {
        if (count <= _values.Length) return;
        var size = Grow(_values.Length, count);
        Array.Resize(ref _values, size);
        Array.Resize(ref _has, size);
    }

    public override void Clear(int group)
    {
        _has[group] = false;
        _values[group] = default;
    }

    public override void Write(int group, BinaryWriter writer)
    {
        writer.Write(_has[group]);
        var v = _values[group];
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in v)));
    }

    public override void Read(int group, BinaryReader reader)
    {
        _has[group] = reader.ReadBoolean();
        var bytes = reader.ReadBytes(System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        _values[group] = System.Runtime.InteropServices.MemoryMarshal.Read<T>(bytes);
    }
}

/// <summary><c>min</c>/<c>max</c> over text or binary (byte-wise order = code point order for UTF-8), append-only.</summary>
public sealed class MinMaxBytesAccumulator : GroupAccumulator
{
    private readonly bool _max;
    private byte[]?[] _values = [];

    public MinMaxBytesAccumulator(bool max)
    {
        _max = max;
    }

    public override void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract)
    {
        var column = (StringColumn)args[0];
        for (var i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            if (g < 0 || column.IsNull(i)) continue;
            var v = column.GetBytes(i);
            var current = _values[g];
            if (current is null)
            {
                _values[g] = v.ToArray();
                continue;
            }
            var c = v.SequenceCompareTo(current);
            if (_max ? c > 0 : c < 0) _values[g] = v.ToArray();
        }
    }

    public override void Evaluate(int group, ColumnBuilder output)
    {
        if (_values[group] is { } v) ((StringColumnBuilder)output).Append(v);
        else output.AppendNull();
    }

    public override void EnsureCapacity(int count)
    {
        if (count > _values.Length) Array.Resize(ref _values, Grow(_values.Length, count));
    }

    public override void Clear(int group) => _values[group] = null;

    public override void Write(int group, BinaryWriter writer)
    {
        var v = _values[group];
        writer.Write(v is null ? -1 : v.Length);
        if (v is not null) writer.Write(v);
    }

    public override void Read(int group, BinaryReader reader)
    {
        var length = reader.ReadInt32();
        _values[group] = length < 0 ? null : reader.ReadBytes(length);
    }
}
