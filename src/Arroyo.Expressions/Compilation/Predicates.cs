using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Compilation;

internal static class Predicates
{
    /// <summary>Selection mask of a BOOLEAN column: bit set where the value is true and not NULL.</summary>
    public static Bitmap ToSelection(Column column, int rowCount)
    {
        var result = new Bitmap(rowCount);
        if (column is NullColumn) return result;
        var values = ((PrimitiveColumn<bool>)column).Values;
        var words = result.Words;
        for (var w = 0; w < words.Length; w++)
        {
            var start = w << 6;
            var end = Math.Min(start + 64, rowCount);
            ulong bits = 0;
            for (var i = start; i < end; i++)
            {
                if (values[i]) bits |= 1UL << (i - start);
            }
            words[w] = bits;
        }
        if (column.Validity is { } validity)
        {
            var v = validity.Words;
            for (var w = 0; w < words.Length; w++) words[w] &= v[w];
        }
        return result;
    }
}
