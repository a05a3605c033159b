using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// Appends rows to one set of column builders and hands a batch to <c>emit</c> every
/// <see cref="RowsPerBatch"/> rows. Operators that produce many rows at once (a closing window
/// of a million groups, the checkpoint of a big table) then send batch-sized pieces: no
/// buffer grows by doubling to the size of the whole result, and each piece is garbage as
/// soon as the next operator is done with it.
/// </summary>
internal sealed class ChunkedBatchBuilder
{
    public const int RowsPerBatch = 8192;

    private readonly Schema _schema;
    private readonly Action<Batch> _emit;
    private int _rows;

    public ChunkedBatchBuilder(Schema schema, Action<Batch> emit)
    {
        _schema = schema;
        _emit = emit;
        // Builders are reused: Build() hands over their buffers and starts them afresh.
        Builders = schema.Fields.Select(f => ColumnBuilder.Create(f.Type, RowsPerBatch)).ToArray();
    }

    /// <summary>One builder per schema field; append one value to each, then call <see cref="EndRow"/>.</summary>
    public ColumnBuilder[] Builders { get; }

    public void EndRow()
    {
        if (++_rows == RowsPerBatch) Flush();
    }

    /// <summary>Emits the pending rows, if any.</summary>
    public void Flush()
    {
        if (_rows == 0) return;
        var columns = new Column[Builders.Length];
        for (var i = 0; i < columns.Length; i++) columns[i] = Builders[i].Build();
        var rows = _rows;
        _rows = 0;
        _emit(new Batch(_schema, columns, rows));
    }
}
