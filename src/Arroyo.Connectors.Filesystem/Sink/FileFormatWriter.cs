using Arroyo.Connectors.Filesystem.Columnar;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Core;
using Arroyo.Formats;
using ParquetSharp;
using ArrowSchema = Apache.Arrow.Schema;
using Schema = Arroyo.Core.Types.Schema;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>Encodes rows into one file's bytes on a stream. One per open file; not thread-safe.</summary>
internal abstract class FileFormatWriter : IDisposable
{
    public abstract void Write(Batch batch);

    /// <summary>Bytes of rows held back from the stream (an unwritten row group), counted towards the rolling file size.</summary>
    public virtual long BufferedBytes => 0;

    /// <summary>Writes what is buffered and the format's trailer (Parquet's footer); the stream then holds the whole file.</summary>
    public abstract void Finish();

    public abstract void Dispose();
}

/// <summary>Newline-delimited records, encoded by the table's format (json).</summary>
internal sealed class LineFileWriter(Stream output, RecordEncoder encoder) : FileFormatWriter
{
    private readonly Arroyo.Formats.ByteBuffer _buffer = new();

    public override void Write(Batch batch)
    {
        encoder.Encode(batch, _buffer);
        output.Write(_buffer.Written);
        _buffer.Clear();
    }

    public override void Finish()
    {
    }

    public override void Dispose()
    {
    }
}

/// <summary>
/// Parquet through ParquetSharp's Arrow writer. Batches are buffered into the current row
/// group until their in-memory size reaches the row group size; then the row group is
/// encoded, compressed and written to the stream, so memory holds at most one row group.
/// </summary>
internal sealed class ParquetFileWriter : FileFormatWriter
{
    private readonly ParquetSharp.Arrow.FileWriter _writer;
    private readonly ArrowSchema _schema;
    private readonly int[] _columns;
    private readonly long _rowGroupBytes;
    private long _buffered;
    private bool _finished;

    /// <param name="adjustSchema">Changes the Arrow schema before it is written (iceberg adds field ids); the arrays stay as they are.</param>
    /// <param name="microsecondTimestamps">Stores timestamps as microseconds (what Iceberg v2 tables hold) instead of nanoseconds.</param>
    public ParquetFileWriter(Stream output, Schema input, FileSinkSettings settings, string table,
        Func<ArrowSchema, ArrowSchema>? adjustSchema = null, bool microsecondTimestamps = false)
    {
        _columns = ArrowExport.DataColumns(input);
        _schema = ArrowExport.SchemaOf(input, _columns, table);
        if (adjustSchema is not null) _schema = adjustSchema(_schema);
        _rowGroupBytes = settings.RowGroupBytes;
        using var properties = new WriterPropertiesBuilder().Compression(CompressionOf(settings.Compression)).Build();
        using var arrowBuilder = new ParquetSharp.Arrow.ArrowWriterPropertiesBuilder().StoreSchema();
        if (microsecondTimestamps) arrowBuilder.CoerceTimestamps(Apache.Arrow.Types.TimeUnit.Microsecond).AllowTruncatedTimestamps();
        using var arrowProperties = arrowBuilder.Build();
        _writer = new ParquetSharp.Arrow.FileWriter(output, _schema, properties, arrowProperties, leaveOpen: true);
    }

    public static Compression CompressionOf(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Uncompressed => Compression.Uncompressed,
        ParquetCompression.Snappy => Compression.Snappy,
        ParquetCompression.Gzip => Compression.Gzip,
        // Parquet's LZ4 codec is the Hadoop-framed one; LZ4_RAW is the plain block format.
        ParquetCompression.Lz4 => Compression.Lz4Hadoop,
        ParquetCompression.Lz4Raw => Compression.Lz4,
        _ => Compression.Zstd,
    };

    public override long BufferedBytes => _buffered;

    public override void Write(Batch batch)
    {
        if (batch.RowCount == 0) return;
        using var record = ArrowExport.ToRecordBatch(_schema, batch, _columns);
        _writer.WriteBufferedRecordBatch(record);
        _buffered += batch.EstimatedBytes;
        if (_buffered >= _rowGroupBytes)
        {
            _writer.NewBufferedRowGroup();
            _buffered = 0;
        }
    }

    public override void Finish()
    {
        _writer.Close();
        _finished = true;
    }

    public override void Dispose()
    {
        if (!_finished)
        {
            // Abandoned (the run is failing or stopping): nothing more goes to the stream.
            try
            {
                _writer.Dispose();
            }
            catch (Exception e) when (e is ParquetException or IOException or Storage.ObjectStoreException)
            {
            }
            return;
        }
        _writer.Dispose();
    }
}
