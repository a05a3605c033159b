using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>Arrays: row i is Values[Offsets[i]..Offsets[i+1]] of the child column.</summary>
public sealed class ListColumn : Column
{
    public ListColumn(DataType type, Column values, int[] offsets, int length, Bitmap? validity = null)
        : base(type, length, validity)
    {
        Values = values;
        Offsets = offsets;
    }

    public Column Values { get; }

    public int[] Offsets { get; }

    public override long EstimatedBytes => base.EstimatedBytes + 4L * (Length + 1) + Values.EstimatedBytes;

    public int ElementCount(int index) => Offsets[index + 1] - Offsets[index];

    public override Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity)
    {
        var childIndices = new List<int>();
        var offsets = new int[indices.Length + 1];
        for (var k = 0; k < indices.Length; k++)
        {
            var row = indices[k];
            for (var j = Offsets[row]; j < Offsets[row + 1]; j++) childIndices.Add(j);
            offsets[k + 1] = childIndices.Count;
        }
        return new ListColumn(Type, Values.Take(childIndices.ToArray()), offsets, indices.Length, validity);
    }

    public override Column Slice(int offset, int length)
    {
        var indices = new int[length];
        for (var i = 0; i < length; i++) indices[i] = offset + i;
        return Take(indices);
    }

    public override object? GetValue(int index)
    {
        if (IsNull(index)) return null;
        var result = new object?[ElementCount(index)];
        for (var j = 0; j < result.Length; j++) result[j] = Values.GetValue(Offsets[index] + j);
        return result;
    }
}
