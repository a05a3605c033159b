using Apache.Arrow;
using Apache.Arrow.Ipc;
using Arroyo.Connectors.Filesystem.Columnar;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Column = Arroyo.Core.Columns.Column;
using DataType = Arroyo.Core.Types.DataType;
using Schema = Arroyo.Core.Types.Schema;

namespace Arroyo.Connectors.Filesystem.Source;

/// <summary>
/// A Parquet file through ParquetSharp's Arrow reader, record batch by record batch. Columns
/// are matched to the table's by name (case-insensitive); a nullable column the file lacks
/// reads as NULL.
/// </summary>
internal sealed class ParquetRecordReader : RecordReader
{
    private readonly ParquetSharp.Arrow.FileReader _reader;
    private readonly IArrowArrayStream _batches;
    private readonly Schema _output;
    private readonly int[] _sourceColumns;
    private readonly long _skip;
    private readonly string _file;
    private readonly Stream _input;
    private RecordBatch? _current;
    private int _row;

    public ParquetRecordReader(Stream input, Schema output, long skip, string file, string table)
    {
        _input = input;
        _output = output;
        _skip = skip;
        _file = file;
        _reader = new ParquetSharp.Arrow.FileReader(input, leaveOpen: true);
        _batches = _reader.GetRecordBatchReader();
        var schema = _reader.Schema;
        _sourceColumns = new int[output.Count];
        for (var c = 0; c < output.Count; c++)
        {
            var field = output[c];
            if (field.Name is Schema.TimestampFieldName or Schema.RetractFieldName)
            {
                _sourceColumns[c] = -1;
                continue;
            }
            var index = -1;
            for (var i = 0; i < schema.FieldsList.Count && index < 0; i++)
            {
                if (string.Equals(schema.FieldsList[i].Name, field.Name, StringComparison.OrdinalIgnoreCase)) index = i;
            }
            if (index < 0 && !field.Nullable)
            {
                throw new UserException($"cannot read '{file}' for table '{table}': it has no column '{field.Name}', which is NOT NULL in the table");
            }
            _sourceColumns[c] = index;
        }
    }

    public override Batch? Next(int maxRows, long timestampNanos)
    {
        while (true)
        {
            if (_current is null || _row >= _current.Length)
            {
                _current?.Dispose();
                _current = _batches.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult();
                _row = 0;
                if (_current is null) return null;
            }
            var take = Math.Min(maxRows, _current.Length - _row);
            var start = _row;
            _row += take;
            // Rows emitted before the restored checkpoint are skipped.
            if (Records + take <= _skip)
            {
                Records += take;
                continue;
            }
            if (Records < _skip)
            {
                var skipped = (int)(_skip - Records);
                start += skipped;
                take -= skipped;
                Records += skipped;
            }
            Records += take;
            return Convert(_current, start, take, timestampNanos);
        }
    }

    private Batch Convert(RecordBatch batch, int start, int count, long timestampNanos)
    {
        var columns = new Column[_output.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var field = _output[c];
            if (field.Name == Schema.TimestampFieldName)
            {
                var times = new long[count];
                System.Array.Fill(times, timestampNanos);
                columns[c] = new PrimitiveColumn<long>(DataType.Timestamp, times);
            }
            else if (field.Name == Schema.RetractFieldName)
            {
                columns[c] = new PrimitiveColumn<bool>(DataType.Boolean, new bool[count]);
            }
            else if (_sourceColumns[c] < 0)
            {
                columns[c] = Column.Constant(field.Type, null, count);
            }
            else
            {
                var array = batch.Column(_sourceColumns[c]);
                columns[c] = ArrowImport.ToColumn(start == 0 && count == array.Length ? array : ArrowArrayFactory.Slice(array, start, count), field.Type);
            }
        }
        return new Batch(_output, columns, count);
    }

    public override void Dispose()
    {
        _current?.Dispose();
        _batches.Dispose();
        _reader.Dispose();
        _input.Dispose();
    }

    public override string ToString() => _file;
}
