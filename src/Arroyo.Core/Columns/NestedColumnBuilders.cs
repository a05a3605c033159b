using Arroyo.Core.Types;

namespace Arroyo.Core.Columns;

/// <summary>Builds list columns: append elements to <see cref="Values"/>, then close the row with <see cref="EndRow"/>.</summary>
public sealed class ListColumnBuilder : ColumnBuilder
{
    private int[] _offsets;
    private ValidityBuilder _validity;
    private int _count;

    public ListColumnBuilder(DataType type, int capacity = 16) : base(type)
    {
        Values = Create(type.Element ?? throw new ArgumentException("list type without element"), capacity);
        _offsets = new int[Math.Max(capacity, 4) + 1];
    }

    public ColumnBuilder Values { get; }

    public override int Count => _count;

    public void EndRow() => Commit(valid: true);

    public override void AppendNull() => Commit(valid: false);

    public override void AppendObject(object? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }
        foreach (var element in (System.Collections.IEnumerable)value) Values.AppendObject(element);
        EndRow();
    }

    public override void AppendFrom(Column source, int index)
    {
        if (source.IsNull(index))
        {
            AppendNull();
            return;
        }
        var list = (ListColumn)source;
        for (var j = list.Offsets[index]; j < list.Offsets[index + 1]; j++) Values.AppendFrom(list.Values, j);
        EndRow();
    }

    public override Column Build()
    {
        var column = new ListColumn(Type, Values.Build(), _offsets, _count, _validity.Build(_count));
        _offsets = new int[_count + 1];
        _count = 0;
        return column;
    }

    private void Commit(bool valid)
    {
        if (_count + 2 > _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
        if (valid) _validity.AppendValid(_count);
        else _validity.AppendNull(_count);
        _count++;
        _offsets[_count] = Values.Count;
    }
}

/// <summary>Builds struct columns: append one value to every field builder, then <see cref="EndRow"/>.</summary>
public sealed class StructColumnBuilder : ColumnBuilder
{
    private ValidityBuilder _validity;
    private int _count;

    public StructColumnBuilder(DataType type, int capacity = 16) : base(type)
    {
        Children = type.Fields.Select(f => Create(f.Type, capacity)).ToArray();
    }

    public ColumnBuilder[] Children { get; }

    public override int Count => _count;

    public void EndRow()
    {
        _validity.AppendValid(_count);
        _count++;
    }

    public override void AppendNull()
    {
        // Children stay aligned with the struct: a null struct has null fields.
        foreach (var child in Children) child.AppendNull();
        _validity.AppendNull(_count);
        _count++;
    }

    public override void AppendObject(object? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }
        var fields = (object?[])value;
        for (var i = 0; i < Children.Length; i++) Children[i].AppendObject(fields[i]);
        EndRow();
    }

    public override void AppendFrom(Column source, int index)
    {
        if (source.IsNull(index))
        {
            AppendNull();
            return;
        }
        var structColumn = (StructColumn)source;
        for (var i = 0; i < Children.Length; i++) Children[i].AppendFrom(structColumn.Children[i], index);
        EndRow();
    }

    public override Column Build()
    {
        var children = Children.Select(c => c.Build()).ToArray();
        var column = new StructColumn(Type, children, _count, _validity.Build(_count));
        _count = 0;
        return column;
    }
}
