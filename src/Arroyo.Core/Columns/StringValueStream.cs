using Arroyo.Core.IO;

namespace Arroyo.Core.Columns;

/// <summary>
/// A write-only stream whose bytes become one value of a <see cref="StringColumnBuilder"/>
/// (<see cref="Begin"/> … <see cref="End"/>): what a <see cref="BinaryWriter"/> writes over it
/// goes straight into the column's buffer, instead of into a <see cref="MemoryStream"/> first
/// and then copied (state blobs of a checkpoint: Nexmark q16 writes ~22 MB of them).
/// </summary>
public sealed class StringValueStream : WriteOnlyStream
{
    private StringColumnBuilder? _builder;
    private long _length;

    /// <summary>Starts a value of <paramref name="builder"/>: writes go to it until <see cref="End"/>.</summary>
    public void Begin(StringColumnBuilder builder)
    {
        if (_builder is not null) throw new InvalidOperationException("a value is already being written (this is a bug: End it first)");
        _builder = builder;
        _length = 0;
    }

    /// <summary>Ends the value (flush the writer over this stream first); returns its length in bytes.</summary>
    public long End()
    {
        Builder.CommitWritten(0);
        _builder = null;
        return _length;
    }

    protected override long BytesWritten => _length;

    private StringColumnBuilder Builder => _builder ?? throw new InvalidOperationException("no value is being written (this is a bug: Begin one first)");

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Builder.AppendToValue(buffer);
        _length += buffer.Length;
    }

    // Stream's own WriteByte allocates an array per byte.
    public override void WriteByte(byte value) => Write([value]);
}
