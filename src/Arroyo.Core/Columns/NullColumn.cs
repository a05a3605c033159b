using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>A column of the NULL type: every row is null.</summary>
public sealed class NullColumn : Column
{
    public NullColumn(int length)
        : base(DataType.Null, length, new Bitmap(length))
    {
    }

    public override Column TakeWith(ReadOnlySpan<int> indices, Bitmap? validity) => new NullColumn(indices.Length);

    public override Column Slice(int offset, int length) => new NullColumn(length);

    public override object? GetValue(int index) => null;
}
