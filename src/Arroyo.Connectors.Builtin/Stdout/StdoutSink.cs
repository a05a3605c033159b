using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Stdout;

/// <summary>
/// Writes rows as lines to standard output. All subtasks share one buffered stream; each
/// batch's lines are appended whole under a lock, and the stream is flushed on ticks,
/// checkpoints, end and close so output appears promptly without a write per row.
/// A failed write (the reader closed the pipe, as <c>| head -2</c> does; a full disk) fails
/// the run with a clear error, as the reference's stdout sink does, rather than dropping every
/// later row (see <see cref="StandardOutputStream"/>).
/// </summary>
internal sealed class StdoutSink : IOperator
{
    private const int BrokenPipe = 32;
    private const int NoSpace = 28;

    private static readonly object s_lock = new();
    private static Stream? s_stream;
    private static Exception? s_failure;

    private readonly RecordEncoder _encoder;
    private readonly ByteBuffer _buffer = new();

    public StdoutSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys)
    {
        _encoder = RecordEncoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), input, updateKeys);
        // Sinks are created before a run starts: a failure of an earlier run in this process is forgotten.
        lock (s_lock) s_failure = null;
    }

    /// <summary>Where output goes; tests replace it. Null = the process's standard output.</summary>
    internal static Stream? Target { get; set; }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _encoder.Encode(batch, _buffer);
        lock (s_lock)
        {
            Guarded(stream => stream.Write(_buffer.Written));
        }
        _buffer.Clear();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Flush();

    public void OnTick(long nowNanos, IOutput output) => Flush();

    public void OnEnd(IOutput output) => Flush();

    public void Close()
    {
        // After a failed write the run is failing already; one error is enough.
        lock (s_lock)
        {
            if (s_failure is null) Guarded(stream => stream.Flush());
        }
    }

    private static void Flush()
    {
        lock (s_lock)
        {
            Guarded(stream => stream.Flush());
        }
    }

    /// <summary>Runs a write under <c>s_lock</c>; turns an I/O failure into the run's error.</summary>
    private static void Guarded(Action<Stream> write)
    {
        if (s_failure is not null) throw new ExternalException(s_failure.Message);
        try
        {
            write(Stream());
        }
        catch (IOException error)
        {
            s_failure = error.HResult switch
            {
                BrokenPipe => new ExternalException("stdout was closed by the program reading it (broken pipe): stopping, as later rows could not be written"),
                NoSpace => new ExternalException("cannot write to stdout: no space left on the device"),
                _ => new ExternalException($"cannot write to stdout: {error.Message}"),
            };
            // What is still buffered cannot be written either; drop it so no later flush retries it.
            s_stream = null;
            throw s_failure;
        }
    }

    private static Stream Stream()
    {
        var target = Target;
        if (target is not null) return target;
        return s_stream ??= new BufferedStream(OpenStandardOutput(), 1 << 16);
    }

    private static Stream OpenStandardOutput() =>
        OperatingSystem.IsWindows() ? Console.OpenStandardOutput() : new StandardOutputStream();
}
