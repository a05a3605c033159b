using System.Text;
using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>
/// Variable-length values (UTF-8 text, JSON text, binary) as one byte buffer plus
/// <see cref="Column.Length"/>+1 offsets: row i is Data[Offsets[i]..Offsets[i+1]].
/// </summary>
public sealed class StringColumn : Column
{
    public StringColumn(DataType type, byte[] data, int[] offsets, int length, Bitmap? validity = null)
        : base(type, length, validity)
    {
        Data = data;
        Offsets = offsets;
    }

    public byte[] Data { get; }

    public int[] Offsets { get; }

    // The rows' own bytes: a slice shares its parent's data array.
    public override long EstimatedBytes => base.EstimatedBytes + 4L * (Length + 1) + (Offsets[Length] - Offsets[0]);

    public ReadOnlySpan<byte> GetBytes(int index) => Data.AsSpan(Offsets[index], Offsets[index + 1] - Offsets[index]);

    public string GetString(int index) => Encoding.UTF8.GetString(GetBytes(index));

    public override Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity)
    {
        var source = Offsets;
        var total = 0;
        foreach (var i in indices) total += source[i + 1] - source[i];
        // Every byte and offset is written below, so skip zeroing the buffers.
        var data = GC.AllocateUninitializedArray<byte>(total);
        var offsets = GC.AllocateUninitializedArray<int>(indices.Length + 1);
        offsets[0] = 0;
        var position = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var start = source[indices[k]];
            var length = source[indices[k] + 1] - start;
            if (length > 0) Data.AsSpan(start, length).CopyTo(data.AsSpan(position));
            position += length;
            offsets[k + 1] = position;
        }
        return new StringColumn(Type, data, offsets, indices.Length, validity);
    }

    public override Column Slice(int offset, int length)
    {
        var start = Offsets[offset];
        var end = Offsets[offset + length];
        var offsets = new int[length + 1];
        for (var i = 0; i <= length; i++) offsets[i] = Offsets[offset + i] - start;
        return new StringColumn(Type, Data.AsSpan(start, end - start).ToArray(), offsets, length, SliceValidity(offset, length));
    }

    public override object? GetValue(int index)
    {
        if (IsNull(index)) return null;
        return Type.Kind == TypeKind.Binary ? GetBytes(index).ToArray() : GetString(index);
    }

    public static StringColumn FromStrings(IReadOnlyList<string?> values, DataType? type = null)
    {
        var builder = new StringColumnBuilder(type ?? DataType.Utf8, values.Count);
        foreach (var v in values)
        {
            if (v is null) builder.AppendNull();
            else builder.Append(v);
        }
        return (StringColumn)builder.Build();
    }
}
