using Arroyo.Connectors.Filesystem.Columnar;
using Arroyo.Connectors.Filesystem.Options;
using Arroyo.Core;
using Arroyo.Formats;
using ParquetSharp;
using ArrowSchema = Apache.Arrow.Schema;
using Schema = Arroyo.Core.Types.Schema;
using Arroyo.Core.IO;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>Encodes rows into one file's bytes on a stream. One per open file; not thread-safe.</summary>
internal abstract class FileFormatWriter : IDisposable
{
    public abstract void Write(Batch batch);

    /// <summary>Bytes of rows held back from the stream (an unwritten row group), counted towards the rolling file size.</summary>
    public virtual long BufferedBytes => 0;

    /// <summary>Writes what is buffered and the format's trailer (Parquet's footer); the stream then holds the whole file.</summary>
    public abstract void Finish();

    /// <summary>
    /// At a checkpoint with the file staying open: writes what is buffered to the stream and
    /// returns the bytes that, appended to the stream's bytes so far, make a whole file
    /// (Parquet's footer of the row groups so far; nothing for lines). Writing may go on after.
    /// </summary>
    public abstract byte[] CheckpointTrailer();

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

    public override byte[] CheckpointTrailer() => [];

    public override void Dispose()
    {
    }
}

/// <summary>
/// Parquet through ParquetSharp's Arrow writer. Batches are buffered into the current row
/// group until their in-memory size reaches the row group size; then the row group is
/// encoded, compressed and written to the stream, so memory holds at most one row group.
/// The engine's batches are collected into record batches of up to <see cref="RecordBatchRows"/>
/// rows before they go to the writer (<see cref="ColumnAccumulator"/>).
/// </summary>
/// <remarks>
/// A file stays open across checkpoints, so it is written in segments: at each checkpoint the
/// current ParquetSharp writer is closed (its last row group goes to the stream), its footer is
/// kept aside (<see cref="ParquetFooter"/>) and the next rows start a new writer whose bytes
/// follow in the same stream, without their leading magic. <see cref="CheckpointTrailer"/> is
/// then the footer of every row group so far: appended to the bytes already in the stream, it
/// makes a whole file, which is how a restore finishes a file the failed run left open.
/// </remarks>
internal sealed class ParquetFileWriter : FileFormatWriter
{
    private readonly Stream _output;
    private readonly ArrowSchema _schema;
    private readonly int[] _columns;
    private readonly long _rowGroupBytes;
    private readonly WriterProperties _properties;
    private readonly ParquetSharp.Arrow.ArrowWriterProperties _arrowProperties;
    private readonly ParquetFooter _footer = new();
    private readonly ColumnAccumulator[] _pending;
    private int _pendingRows;
    private long _pendingBytes;
    private SegmentStream? _segment;
    private ParquetSharp.Arrow.FileWriter? _writer;
    private long _buffered;
    private int _segments;

    /// <param name="adjustSchema">Changes the Arrow schema before it is written (iceberg adds field ids); the arrays stay as they are.</param>
    /// <param name="microsecondTimestamps">Stores timestamps as microseconds (what Iceberg v2 tables hold) instead of nanoseconds.</param>
    public ParquetFileWriter(Stream output, Schema input, FileSinkSettings settings, string table,
        Func<ArrowSchema, ArrowSchema>? adjustSchema = null, bool microsecondTimestamps = false)
    {
        _output = output;
        _columns = ArrowExport.DataColumns(input);
        _schema = ArrowExport.SchemaOf(input, _columns, table);
        _pending = _columns.Select(c => ColumnAccumulator.For(input[c].Type)).ToArray();
        if (adjustSchema is not null) _schema = adjustSchema(_schema);
        _rowGroupBytes = settings.RowGroupBytes;
        _properties = new WriterPropertiesBuilder().Compression(CompressionOf(settings.Compression)).Build();
        using var arrowBuilder = new ParquetSharp.Arrow.ArrowWriterPropertiesBuilder().StoreSchema();
        if (microsecondTimestamps) arrowBuilder.CoerceTimestamps(Apache.Arrow.Types.TimeUnit.Microsecond).AllowTruncatedTimestamps();
        _arrowProperties = arrowBuilder.Build();
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

    /// <summary>
    /// Rows per record batch handed to ParquetSharp. Each call costs a fixed amount (the Arrow
    /// export, every column writer's set-up), which at the engine's batch sizes (512 rows from a
    /// source) made the write half again as expensive as with the 64 Ki rows a Parquet reader
    /// hands out; collecting them costs one copy of the values.
    /// </summary>
    public const int RecordBatchRows = 64 * 1024;

    /// <summary>At most this many bytes of rows are held back per open file, however few the rows.</summary>
    public const long RecordBatchBytes = 16L * 1024 * 1024;

    public override long BufferedBytes => _buffered;

    public override void Write(Batch batch)
    {
        if (batch.RowCount == 0) return;
        for (var c = 0; c < _pending.Length; c++) _pending[c].Append(batch.Columns[_columns[c]]);
        var bytes = batch.EstimatedBytes;
        _pendingRows += batch.RowCount;
        _pendingBytes += bytes;
        _buffered += bytes;
        if (_pendingRows >= RecordBatchRows || _pendingBytes >= RecordBatchBytes || _buffered >= _rowGroupBytes) WritePending();
    }

    /// <summary>Hands the rows held back to the writer as one record batch; ends the row group once it is full.</summary>
    private void WritePending()
    {
        if (_pendingRows == 0) return;
        var writer = _writer ?? StartSegment();
        var columns = _pending.Select(p => p.Take()).ToArray();
        _pendingRows = 0;
        _pendingBytes = 0;
        using (var record = ArrowExport.ToRecordBatch(_schema, columns))
        {
            writer.WriteBufferedRecordBatch(record);
        }
        if (_buffered >= _rowGroupBytes)
        {
            writer.NewBufferedRowGroup();
            _buffered = 0;
        }
    }

    public override byte[] CheckpointTrailer()
    {
        WritePending();
        EndSegment();
        return _footer.Build();
    }

    public override void Finish() => _output.Write(CheckpointTrailer());

    private ParquetSharp.Arrow.FileWriter StartSegment()
    {
        // The first segment's magic opens the file; later segments' bytes continue it.
        var skipMagic = _segments > 0;
        _segment = new SegmentStream(_output, skipMagic);
        _writer = new ParquetSharp.Arrow.FileWriter(_segment, _schema, _properties, _arrowProperties, leaveOpen: true);
        _segments++;
        return _writer;
    }

    private void EndSegment()
    {
        // A file has at least one segment, so it is a Parquet file even with no rows.
        if (_writer is null && _segments == 0) StartSegment();
        if (_writer is null) return;
        var segment = _segment!;
        var start = segment.FileOffset;
        // The writer keeps the open row group's pages in memory and writes them at its close,
        // before the footer. Ending the row group first sends those bytes straight on; only
        // the footer (and the empty row group the close then ends) is captured, not the whole
        // row group (tens of megabytes copied through a growing buffer).
        if (_buffered > 0) _writer.NewBufferedRowGroup();
        segment.Capture = true;
        _writer.Close();
        _writer.Dispose();
        _writer = null;
        _buffered = 0;
        var tail = segment.Captured;
        var (body, footer) = ParquetFooter.SplitTail(tail);
        _output.Write(tail[..body]);
        // Offset o in the segment is at start + o in the file, less the magic a later segment drops.
        _footer.AddSegment(footer, segment.SkipsMagic ? start - 4 : start);
        _segment = null;
    }

    public override void Dispose()
    {
        if (_writer is not null)
        {
            // Abandoned (the run is failing or stopping): nothing more goes to the stream.
            _segment!.Abandon();
            try
            {
                _writer.Dispose();
            }
            catch (Exception e) when (e is ParquetException or IOException or Storage.ObjectStoreException)
            {
            }
            _writer = null;
        }
        _properties.Dispose();
        _arrowProperties.Dispose();
    }

    /// <summary>
    /// What one ParquetSharp writer writes to: passed on to the file's stream (its leading magic
    /// dropped for a later segment), except while <see cref="Capture"/> is on — then kept, so
    /// the footer the writer writes at its close can be taken out. Its position is the
    /// segment's own, as the writer records offsets from it.
    /// </summary>
    private sealed class SegmentStream(Stream output, bool skipMagic) : WriteOnlyStream
    {
        private readonly MemoryStream _captured = new();
        private long _written;
        private bool _abandoned;

        /// <summary>Where the segment's first byte is (or would be) in the file.</summary>
        public long FileOffset { get; } = output.Position;

        public bool SkipsMagic => skipMagic;

        public bool Capture { get; set; }

        public ReadOnlySpan<byte> Captured => _captured.GetBuffer().AsSpan(0, (int)_captured.Length);

        public void Abandon() => _abandoned = true;

        protected override long BytesWritten => _written;

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (_abandoned) return;
            var skip = skipMagic ? (int)Math.Clamp(4 - _written, 0, data.Length) : 0;
            _written += data.Length;
            data = data[skip..];
            if (data.IsEmpty) return;
            if (Capture) _captured.Write(data);
            else output.Write(data);
        }
    }
}
