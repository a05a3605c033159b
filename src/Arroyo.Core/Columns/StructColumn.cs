using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>Structs: one child column per field, all of the struct's length.</summary>
public sealed class StructColumn : Column
{
    public StructColumn(DataType type, Column[] children, int length, Bitmap? validity = null)
        : base(type, length, validity)
    {
        Children = children;
    }

    public Column[] Children { get; }

    public override long EstimatedBytes
    {
        get
        {
            var bytes = base.EstimatedBytes;
            foreach (var child in Children) bytes += child.EstimatedBytes;
            return bytes;
        }
    }

    public override Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity)
    {
        var children = new Column[Children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            var child = Children[i];
            // Fields that share the struct's mask (as generated structs do) share the taken one too.
            children[i] = child.Validity is not null && ReferenceEquals(child.Validity, Validity)
                ? child.TakeWith(indices, validity)
                : child.Take(indices);
        }
        return new StructColumn(Type, children, indices.Length, validity);
    }

    public override Column Slice(int offset, int length)
    {
        var children = new Column[Children.Length];
        for (var i = 0; i < children.Length; i++) children[i] = Children[i].Slice(offset, length);
        return new StructColumn(Type, children, length, SliceValidity(offset, length));
    }

    public override object? GetValue(int index)
    {
        if (IsNull(index)) return null;
        var result = new object?[Children.Length];
        for (var i = 0; i < result.Length; i++) result[i] = Children[i].GetValue(index);
        return result;
    }
}
