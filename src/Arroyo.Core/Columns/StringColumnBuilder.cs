using System.Text;
using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

public sealed class StringColumnBuilder : ColumnBuilder
{
    private byte[] _data;
    private int[] _offsets;
    private ValidityBuilder _validity;
    private int _count;
    private int _position;
    /// <summary>The sizes to start with when the builder is used again after <see cref="Build"/>.</summary>
    private int _nextDataCapacity, _nextOffsetsCapacity;

    public StringColumnBuilder(DataType type, int capacity = 16) : base(type)
    {
        _offsets = new int[Math.Max(capacity, 4) + 1];
        _data = new byte[Math.Max(capacity * 8, 64)];
    }

    public override int Count => _count;

    public void Append(ReadOnlySpan<byte> utf8)
    {
        EnsureData(utf8.Length);
        utf8.CopyTo(_data.AsSpan(_position));
        _position += utf8.Length;
        Commit(valid: true);
    }

    public void Append(string value)
    {
        EnsureData(Encoding.UTF8.GetMaxByteCount(value.Length));
        _position += Encoding.UTF8.GetBytes(value, _data.AsSpan(_position));
        Commit(valid: true);
    }

    /// <summary>Space for the caller to write up to <paramref name="maxBytes"/> of the next value; finish with <see cref="CommitWritten"/>.</summary>
    public Span<byte> GetWriteSpan(int maxBytes)
    {
        EnsureData(maxBytes);
        return _data.AsSpan(_position);
    }

    public void CommitWritten(int bytesWritten)
    {
        _position += bytesWritten;
        Commit(valid: true);
    }

    /// <summary>
    /// Adds <paramref name="bytes"/> to the end of the value being written, for a value written
    /// in pieces (<see cref="StringValueStream"/>); <see cref="CommitWritten"/>(0) ends it.
    /// </summary>
    public void AppendToValue(ReadOnlySpan<byte> bytes)
    {
        EnsureData(bytes.Length);
        bytes.CopyTo(_data.AsSpan(_position));
        _position += bytes.Length;
    }

    public override void AppendNull() => Commit(valid: false);

    public override void AppendObject(object? value)
    {
        switch (value)
        {
            case null: AppendNull(); break;
            case string s: Append(s); break;
            case byte[] b: Append(b); break;
            default: Append(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""); break;
        }
    }

    public override void AppendFrom(Column source, int index)
    {
        if (source.IsNull(index)) AppendNull();
        else Append(((StringColumn)source).GetBytes(index));
    }

    public override Column Build()
    {
        var column = new StringColumn(Type, _data, _offsets, _count, _validity.Build(_count));
        // Most builders build once: the next buffers are allocated (at these sizes) only if one is used again.
        _nextDataCapacity = Math.Max(_position, 64);
        _nextOffsetsCapacity = _count + 1;
        _data = [];
        _offsets = [0];
        _count = 0;
        _position = 0;
        return column;
    }

    private void Commit(bool valid)
    {
        if (_count + 2 > _offsets.Length) Array.Resize(ref _offsets, Math.Max(Math.Max(_offsets.Length * 2, _count + 2), _nextOffsetsCapacity));
        if (valid) _validity.AppendValid(_count);
        else _validity.AppendNull(_count);
        _count++;
        _offsets[_count] = _position;
    }

    private void EnsureData(int extra)
    {
        if (_position + extra > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(Math.Max(_data.Length * 2, _position + extra), _nextDataCapacity));
        }
    }
}
