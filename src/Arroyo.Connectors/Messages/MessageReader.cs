using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Messages;

/// <summary>
/// Turns the payloads of a message source (NATS, RabbitMQ streams, Kinesis) into batches of
/// the source's output: the table's format and framing, one event time per message, and the
/// <c>bad_data</c> policy. Call order: <see cref="Add"/> any number of times, then
/// <see cref="Flush"/>; one instance per subtask.
/// </summary>
public sealed class MessageReader
{
    private readonly ConnectorTable _table;
    private readonly FormatSettings _format;
    private readonly RecordDecoder _decoder;
    private readonly OperatorContext _context;
    private readonly List<long> _timestamps = [];
    private long _dropped;

    public MessageReader(SourceSpec spec, OperatorContext context)
    {
        _table = spec.Table;
        _context = context;
        _format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _decoder = RecordDecoder.Create(_format, spec.Output, spec.Usage);
    }

    /// <summary>Rows decoded since the last flush.</summary>
    public int RowCount => _decoder.RowCount;

    /// <summary>
    /// Decodes one message. <paramref name="where"/> names it in errors (e.g. "stream s offset 12");
    /// it is only called when a record does not parse.
    /// </summary>
    public void Add(ReadOnlySpan<byte> payload, long timestampNanos, Func<string> where)
    {
        var before = _decoder.RowCount;
        if (_format.NewlineFraming) DecodeLines(payload, where);
        else Decode(payload, where);
        for (var i = _decoder.RowCount - before; i > 0; i--) _timestamps.Add(timestampNanos);
    }

    /// <summary>The rows decoded so far with their messages' times; null when there are none.</summary>
    public Batch? Flush()
    {
        var batch = _decoder.Flush(0);
        if (batch is null) return null;
        var columns = batch.Columns.ToArray();
        var index = batch.Schema.TimestampIndex;
        columns[index] = new PrimitiveColumn<long>(DataType.Timestamp, _timestamps.ToArray());
        _timestamps.Clear();
        return new Batch(batch.Schema, columns, batch.RowCount);
    }

    private void Decode(ReadOnlySpan<byte> record, Func<string> where)
    {
        if (!_decoder.TryDecode(record, out var error)) BadData(error!, where);
    }

    private void DecodeLines(ReadOnlySpan<byte> value, Func<string> where)
    {
        while (!value.IsEmpty)
        {
            var newline = value.IndexOf((byte)'\n');
            var line = newline < 0 ? value : value[..newline];
            value = newline < 0 ? [] : value[(newline + 1)..];
            if (line.IsEmpty) continue;
            if (_format.MaxLineLength is { } max && line.Length > max)
            {
                BadData($"line of {line.Length} bytes is longer than framing.newline.max_length ({max})", where);
                continue;
            }
            Decode(line, where);
        }
    }

    private void BadData(string error, Func<string> where)
    {
        if (_table.BadData == BadDataPolicy.Drop)
        {
            if (_dropped++ == 0) _context.Warn($"dropping records of table '{_table.Name}' that do not parse (bad_data = 'drop'), first: {error}");
            _context.Metrics.DeserializationError();
            return;
        }
        throw new BadDataException($"bad data in {where()} (table '{_table.Name}'): {error}");
    }

    /// <summary>Says how many records were dropped, once, when the source closes.</summary>
    public void Close()
    {
        if (_dropped > 0) _context.Warn($"dropped {_dropped} records of table '{_table.Name}' that did not parse");
    }
}
