using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Stdout;

/// <summary>
/// Writes rows as lines to standard output. All subtasks share one buffered stream; each
/// batch's lines are appended whole under a lock, and the stream is flushed on ticks,
/// checkpoints, end and close so output appears promptly without a write per row.
/// </summary>
internal sealed class StdoutSink : IOperator
{
    private static readonly object s_lock = new();
    private static Stream? s_stream;

    private readonly RecordEncoder _encoder;
    private readonly ByteBuffer _buffer = new();

    public StdoutSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys)
    {
        _encoder = RecordEncoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), input, updateKeys);
    }

    /// <summary>Where output goes; tests replace it. Null = the process's standard output.</summary>
    internal static Stream? Target { get; set; }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _encoder.Encode(batch, _buffer);
        lock (s_lock)
        {
            Stream().Write(_buffer.Written);
        }
        _buffer.Clear();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Flush();

    public void OnTick(long nowNanos, IOutput output) => Flush();

    public void OnEnd(IOutput output) => Flush();

    public void Close() => Flush();

    private static void Flush()
    {
        lock (s_lock)
        {
            s_stream?.Flush();
        }
    }

    private static Stream Stream()
    {
        var target = Target;
        if (target is not null) return target;
        return s_stream ??= new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
    }
}
