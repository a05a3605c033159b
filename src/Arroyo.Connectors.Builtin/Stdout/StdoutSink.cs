using System.Diagnostics;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Stdout;

/// <summary>
/// Writes rows as lines to standard output. All subtasks share one buffered stream; each
/// batch's lines are appended whole under a lock. The stream is written out when the subtask's
/// input is drained (a row at a low rate appears at once, not at the next tick), when the
/// oldest buffered line has waited <see cref="FlushPolicy.DefaultMaxDelay"/> (a busy input
/// still shows output), and at checkpoints, end and close; under load that is a write per
/// 64 KB or so, never a write per row.
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
    private static Stream? s_target;
    private static Exception? s_failure;

    private readonly RecordEncoder _encoder;
    private readonly ByteBuffer _buffer = new();
    private readonly FlushPolicy _flush;
    private readonly Func<long> _clock;

    public StdoutSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys)
        : this(table, input, updateKeys, Stopwatch.GetTimestamp, Stopwatch.Frequency)
    {
    }

    /// <param name="clock">Now, in units of <paramref name="ticksPerSecond"/> (tests pass a fake clock).</param>
    internal StdoutSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys, Func<long> clock, long ticksPerSecond)
    {
        _clock = clock;
        _flush = new FlushPolicy(FlushPolicy.DefaultMaxDelay, ticksPerSecond);
        _encoder = RecordEncoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), input, updateKeys);
        // Sinks are created before a run starts: a failure of an earlier run in this process is forgotten.
        lock (s_lock) s_failure = null;
    }

    /// <summary>The device under the shared buffer; tests replace it. Null = the process's standard output.</summary>
    internal static Stream? Target
    {
        get => s_target;
        set
        {
            lock (s_lock)
            {
                s_target = value;
                s_stream = null;
            }
        }
    }

    // Encodes each batch into its own buffer during the call (a source in front may reuse its arrays).
    public bool RetainsInput => false;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _encoder.Encode(batch, _buffer);
        lock (s_lock)
        {
            Guarded(stream => stream.Write(_buffer.Written));
        }
        _buffer.Clear();
        if (_flush.Buffered(_clock())) Flush();
    }

    public void OnInputDrained(IOutput output)
    {
        if (_flush.OnInputDrained()) Flush();
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Flush();

    public void OnTick(long nowNanos, IOutput output)
    {
        if (_flush.OnTick(_clock())) Flush();
    }

    public void OnEnd(IOutput output) => Flush();

    public void Close()
    {
        // After a failed write the run is failing already; one error is enough.
        lock (s_lock)
        {
            if (s_failure is null) Guarded(stream => stream.Flush());
        }
    }

    private void Flush()
    {
        // The stream is shared: this writes the other subtasks' lines too, which is harmless
        // (their own policy then finds little or nothing left to write).
        lock (s_lock)
        {
            Guarded(stream => stream.Flush());
        }
        _flush.Flushed();
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

    private static Stream Stream() =>
        s_stream ??= new BufferedStream(Target ?? OpenStandardOutput(), 1 << 16);

    private static Stream OpenStandardOutput() =>
        OperatingSystem.IsWindows() ? Console.OpenStandardOutput() : new StandardOutputStream();
}
