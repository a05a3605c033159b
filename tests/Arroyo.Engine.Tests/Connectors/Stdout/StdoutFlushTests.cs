using System.Text;
using Arroyo.Connectors.Builtin.Stdout;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Stdout;

/// <summary>
/// The stdout sink's flushing, driven by hand: a fake clock in milliseconds and explicit
/// "input drained" signals, with the device under the shared buffer recording what reached it.
/// The sink's stream is process-wide, so this class runs alone.
/// </summary>
[Collection(nameof(StdoutDeviceCollection))]
public sealed class StdoutFlushTests : IDisposable
{
    private static readonly Field[] s_fields = [new("n", DataType.Int64)];
    private readonly RecordingStream _device = new();
    private long _nowMillis;

    public StdoutFlushTests() => StdoutSink.Target = _device;

    public void Dispose() => StdoutSink.Target = null;

    private StdoutSink Sink()
    {
        var table = Bind("out", s_fields, ("connector", "stdout"), ("format", "json"));
        var sink = new StdoutSink(table, table.SourceSchema(), null, () => _nowMillis, ticksPerSecond: 1000);
        ((IOperator)sink).Open(Context());
        return sink;
    }

    private static Batch Rows(params long[] values) =>
        new(SchemaOf(s_fields), [new PrimitiveColumn<long>(DataType.Int64, values), new PrimitiveColumn<long>(DataType.Timestamp, new long[values.Length])], values.Length);

    [Fact]
    public void A_batch_is_written_when_the_input_drains_not_at_the_next_tick()
    {
        var sink = Sink();
        var output = new CollectingOutput();
        sink.OnBatch(Rows(1, 2), 0, output);
        Assert.Equal("", _device.Text);
        sink.OnInputDrained(output);
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", _device.Text);
        Assert.Equal(1, _device.Writes);
    }

    [Fact]
    public void A_busy_input_is_batched_into_one_write_until_the_backstop_expires()
    {
        var sink = Sink();
        var output = new CollectingOutput();
        // Batches keep coming without the queue ever emptying: one write when the oldest line
        // has waited the policy's delay, not one per batch.
        var delay = (long)FlushPolicy.DefaultMaxDelay.TotalMilliseconds;
        for (var t = 0L; t < delay; t++)
        {
            _nowMillis = t;
            sink.OnBatch(Rows(t), 0, output);
        }
        Assert.Equal(0, _device.Writes);
        _nowMillis = delay;
        sink.OnBatch(Rows(delay), 0, output);
        Assert.Equal(1, _device.Writes);
        Assert.Equal(delay + 1, _device.Text.Count(c => c == '\n'));
    }

    [Fact]
    public void A_tick_writes_only_lines_that_waited_the_delay()
    {
        var sink = Sink();
        var output = new CollectingOutput();
        _nowMillis = 100;
        sink.OnBatch(Rows(7), 0, output);
        _nowMillis = 105;
        sink.OnTick(0, output);
        Assert.Equal(0, _device.Writes);
        _nowMillis = 100 + (long)FlushPolicy.DefaultMaxDelay.TotalMilliseconds;
        sink.OnTick(0, output);
        Assert.Equal("{\"n\":7}\n", _device.Text);
    }

    [Fact]
    public void Nothing_buffered_means_no_write()
    {
        var sink = Sink();
        var output = new CollectingOutput();
        sink.OnInputDrained(output);
        _nowMillis = 1_000;
        sink.OnTick(0, output);
        Assert.Equal(0, _device.Writes);
        sink.OnBatch(Rows(1), 0, output);
        sink.OnInputDrained(output);
        sink.OnInputDrained(output);
        Assert.Equal(1, _device.Writes);
    }

    /// <summary>What reached the "terminal": one entry per write the buffer passed down.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly StringBuilder _text = new();

        public int Writes { get; private set; }

        public string Text => _text.ToString();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _text.Length;

        public override long Position { get => Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            _text.Append(Encoding.UTF8.GetString(buffer));
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Tests that swap the process-wide stdout device run on their own, never beside another test.</summary>
[CollectionDefinition(nameof(StdoutDeviceCollection), DisableParallelization = true)]
public sealed class StdoutDeviceCollection;
