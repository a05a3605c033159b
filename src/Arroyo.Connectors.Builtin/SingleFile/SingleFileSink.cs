using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Appends one line per row to the file, exactly once across restarts: at each checkpoint
/// the file is flushed and fsynced and its length recorded; a restore truncates the file to
/// the recorded length before anything is written, removing output the replay will produce
/// again. A fresh start truncates the file to empty.
/// </summary>
internal sealed class SingleFileSink : IOperator
{
    internal const string StateTable = "f";

    private static readonly Schema s_stateSchema = new(
    [
        new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
        new Field("length", DataType.Int64, false),
    ]);

    private readonly string _path;
    private readonly ulong _key;
    private readonly RecordEncoder _encoder;
    private readonly ByteBuffer _buffer = new();
    private SharedFileWriter? _writer;

    // After arriving at a barrier, output waits here until every subtask has arrived too.
    private long _waitingFor = long.MinValue;

    public SingleFileSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys)
    {
        _path = ((SingleFileConfig)table.Config).Path;
        _key = KeyHasher.HashString(_path);
        _encoder = RecordEncoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), input, updateKeys);
    }

    public void Open(OperatorContext context)
    {
        long length = 0;
        foreach (var batch in context.State.ReadTable(StateTable, allRows: true))
        {
            var keys = (PrimitiveColumn<ulong>)batch.Columns[0];
            for (var r = 0; r < batch.RowCount; r++)
            {
                if (keys[r] == _key) length = ((PrimitiveColumn<long>)batch.Columns[1])[r];
            }
        }
        _writer = SharedFileWriter.Acquire(_path, context.Settings, context.Parallelism, length);
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _encoder.Encode(batch, _buffer);
        TryWrite();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output)
    {
        if (_waitingFor != long.MinValue)
        {
            _writer!.WaitSealed(_waitingFor);
            _waitingFor = long.MinValue;
        }
        WriteBuffer();
        var length = _writer!.Arrive(barrier.Epoch);
        if (length is { } sealedLength)
        {
            var columns = new Column[]
            {
                new PrimitiveColumn<ulong>(DataType.UInt64, [_key]),
                new PrimitiveColumn<long>(DataType.Int64, [sealedLength]),
            };
            state.WriteTable(StateTable, new Batch(s_stateSchema, columns, 1));
        }
        else
        {
            _waitingFor = barrier.Epoch;
        }
    }

    public void OnTick(long nowNanos, IOutput output) => TryWrite();

    public void OnEnd(IOutput output) => TryWrite();

    public void Close()
    {
        if (_writer is null) return;
        // The run is over (ended, stopped or failed); nothing can be sealed any more, and a
        // restore truncates whatever was not.
        WriteBuffer();
        _writer.Release();
        _writer = null;
    }

    private void TryWrite()
    {
        if (_waitingFor != long.MinValue)
        {
            if (!_writer!.IsSealed(_waitingFor)) return;
            _waitingFor = long.MinValue;
        }
        WriteBuffer();
    }

    private void WriteBuffer()
    {
        if (_buffer.Length == 0) return;
        _writer!.Append(_buffer.Written);
        _buffer.Clear();
    }
}
