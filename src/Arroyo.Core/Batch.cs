using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Core;

/// <summary>
/// A columnar slice of a stream: <see cref="RowCount"/> rows stored as one column per schema
/// field. Immutable once built; operators share batches freely and build new ones for output.
/// </summary>
public sealed class Batch
{
    public Batch(Schema schema, Column[] columns, int rowCount)
    {
        if (columns.Length != schema.Count)
        {
            throw new ArgumentException($"batch has {columns.Length} columns but its schema has {schema.Count}");
        }
        Schema = schema;
        Columns = columns;
        RowCount = rowCount;
    }

    public Schema Schema { get; }

    public Column[] Columns { get; }

    public int RowCount { get; }

    /// <summary>About how many bytes the batch's rows occupy (see <see cref="Column.EstimatedBytes"/>).</summary>
    public long EstimatedBytes
    {
        get
        {
            long bytes = 0;
            foreach (var column in Columns) bytes += column.EstimatedBytes;
            return bytes;
        }
    }

    public Column this[int index] => Columns[index];

    /// <summary>The event time of every row, in nanoseconds since the epoch.</summary>
    public PrimitiveColumn<long> Timestamps => (PrimitiveColumn<long>)Columns[Schema.TimestampIndex];

    /// <summary>For updating streams: true where the row retracts an earlier one.</summary>
    public PrimitiveColumn<bool>? Retractions =>
        Schema.RetractIndex < 0 ? null : (PrimitiveColumn<bool>)Columns[Schema.RetractIndex];

    public Batch Take(ReadOnlySpan<int> indices)
    {
        var columns = new Column[Columns.Length];
        for (var i = 0; i < columns.Length; i++) columns[i] = Columns[i].Take(indices);
        return new Batch(Schema, columns, indices.Length);
    }

    public Batch Slice(int offset, int length)
    {
        var columns = new Column[Columns.Length];
        for (var i = 0; i < columns.Length; i++) columns[i] = Columns[i].Slice(offset, length);
        return new Batch(Schema, columns, length);
    }

    /// <summary>Rows where <paramref name="selection"/> is set, as a new batch (or this one if all are).</summary>
    public Batch Filter(Bitmap selection)
    {
        var count = selection.CountSet();
        if (count == RowCount) return this;
        return Take(SelectedIndices(selection, count));
    }

    /// <summary>The indices of the <paramref name="count"/> set bits of <paramref name="selection"/>, ascending (a word at a time).</summary>
    public static int[] SelectedIndices(Bitmap selection, int count)
    {
        var indices = GC.AllocateUninitializedArray<int>(count);
        var k = 0;
        var words = selection.Words;
        for (var w = 0; w < words.Length; w++)
        {
            var bits = words[w];
            while (bits != 0)
            {
                indices[k++] = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }
        return indices;
    }

    /// <summary>Concatenates batches of one schema.</summary>
    public static Batch Concat(Schema schema, IReadOnlyList<Batch> batches)
    {
        if (batches.Count == 1) return batches[0];
        var total = batches.Sum(b => b.RowCount);
        var columns = new Column[schema.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var builder = ColumnBuilder.Create(schema[c].Type, total);
            foreach (var batch in batches)
            {
                var source = batch.Columns[c];
                for (var r = 0; r < batch.RowCount; r++) builder.AppendFrom(source, r);
            }
            columns[c] = builder.Build();
        }
        return new Batch(schema, columns, total);
    }

    /// <summary>Row <paramref name="row"/> as boxed values, for tests and diagnostics.</summary>
    public object?[] GetRow(int row)
    {
        var values = new object?[Columns.Length];
        for (var i = 0; i < values.Length; i++) values[i] = Columns[i].GetValue(row);
        return values;
    }
}
