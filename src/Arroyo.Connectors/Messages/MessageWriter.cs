using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats;
using Arroyo.Formats.RawString;

namespace Arroyo.Connectors.Messages;

/// <summary>
/// Turns a sink's input batches into one message per row (or per debezium change) in the
/// table's format. raw_string and raw_bytes write the <c>value</c> column (or the only data
/// column) as it is, so a value may hold newlines; other formats write each encoded record
/// without its line end.
/// </summary>
public sealed class MessageWriter
{
    private readonly RecordEncoder? _encoder;
    private readonly int _rawColumn = -1;
    private readonly ByteBuffer _buffer = new();

    public MessageWriter(SinkSpec spec)
    {
        var input = spec.Input;
        var format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        if (format.Kind is FormatKind.RawString or FormatKind.RawBytes)
        {
            _rawColumn = RawValueColumn.Find(input, format, spec.Table.Name);
        }
        else
        {
            _encoder = RecordEncoder.Create(format, input, spec.UpdateKeys);
        }
    }

    /// <summary>
    /// Calls <paramref name="send"/> with each message of <paramref name="batch"/>, in row order.
    /// Each array is the message's own: the callee may keep it without copying.
    /// </summary>
    public void Write(Batch batch, Action<byte[]> send)
    {
        if (_encoder is null)
        {
            var values = (StringColumn)batch.Columns[_rawColumn];
            for (var row = 0; row < batch.RowCount; row++)
            {
                if (!values.IsNull(row)) send(values.GetBytes(row).ToArray());
            }
            return;
        }
        _buffer.Clear();
        _encoder.Encode(batch, _buffer);
        var written = _buffer.Written;
        while (!written.IsEmpty)
        {
            var newline = written.IndexOf((byte)'\n');
            var length = newline < 0 ? written.Length : newline;
            send(written[..length].ToArray());
            written = written[Math.Min(written.Length, length + 1)..];
        }
    }
}
