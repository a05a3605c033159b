using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.Grouping;

/// <summary>Builds join output: left user columns, right user columns, [_is_retract], _timestamp.</summary>
internal static class JoinOutput
{
    /// <summary>Pairs (leftRow, rightRow), −1 meaning the side is NULL-padded.</summary>
    public static Batch Build(Schema output, Batch? left, Batch? right, List<(int Left, int Right)> pairs,
        Func<int, int, long> timestamp, Func<int, int, bool>? retract)
    {
        var builders = output.Fields.Select(f => ColumnBuilder.Create(f.Type, pairs.Count)).ToArray();
        var position = 0;
        if (left is not null) AppendSide(left, pairs.Select(p => p.Left), builders, ref position);
        if (right is not null) AppendSide(right, pairs.Select(p => p.Right), builders, ref position);
        if (output.RetractIndex >= 0)
        {
            var rb = (PrimitiveColumnBuilder<bool>)builders[output.RetractIndex];
            foreach (var (l, r) in pairs) rb.Append(retract?.Invoke(l, r) ?? false);
        }
        var tb = (PrimitiveColumnBuilder<long>)builders[output.TimestampIndex];
        foreach (var (l, r) in pairs) tb.Append(timestamp(l, r));
        return new Batch(output, builders.Select(b => b.Build()).ToArray(), pairs.Count);
    }

    private static void AppendSide(Batch side, IEnumerable<int> rows, ColumnBuilder[] builders, ref int position)
    {
        var indices = rows.ToArray();
        for (var c = 0; c < side.Columns.Length; c++)
        {
            if (IsMeta(side.Schema[c])) continue;
            var builder = builders[position++];
            var column = side.Columns[c];
            foreach (var r in indices)
            {
                if (r < 0) builder.AppendNull();
                else builder.AppendFrom(column, r);
            }
        }
    }

    public static bool IsMeta(Field f) => f.Name is Schema.TimestampFieldName or Schema.RetractFieldName;

    public static bool AnyNull(Column[] columns, ReadOnlySpan<int> keys, int row)
    {
        foreach (var k in keys)
        {
            if (columns[k].IsNull(row)) return true;
        }
        return false;
    }
}
