using Arroyo.Core.Columns;

namespace Arroyo.Operators.WindowMaxRows;

/// <summary>
/// The compared column as <see cref="long"/> values whose order is the column's order (for a
/// minimum, reversed by bitwise complement, which is exact and reverses every comparison), so
/// one loop finds both. Only the types <see cref="Dataflow.Specs.WindowMaxRowsSpec.Supports"/> allows.
/// </summary>
internal static class ValueReader
{
    /// <summary>Fills <paramref name="values"/> (one per row; NULL rows hold garbage, the caller checks validity).</summary>
    public static void Read(Column column, Span<long> values, bool minimum)
    {
        switch (column)
        {
            case PrimitiveColumn<long> l:
                l.Span[..values.Length].CopyTo(values);
                break;
            case PrimitiveColumn<int> i:
                for (var r = 0; r < values.Length; r++) values[r] = i.Values[r];
                break;
            case PrimitiveColumn<short> s:
                for (var r = 0; r < values.Length; r++) values[r] = s.Values[r];
                break;
            case PrimitiveColumn<sbyte> b:
                for (var r = 0; r < values.Length; r++) values[r] = b.Values[r];
                break;
            default:
                // Other layouts of these types (constant or placeholder columns): row by row.
                for (var r = 0; r < values.Length; r++) values[r] = column.GetValue(r) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
                break;
        }
        if (!minimum) return;
        for (var r = 0; r < values.Length; r++) values[r] = ~values[r];
    }
}
