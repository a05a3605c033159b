using System.Text.Json;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Formats.Json;

namespace Arroyo.Formats.Debezium;

/// <summary>
/// Debezium change records <c>{"before":…,"after":…,"op":"c|r|u|d"}</c> as an updating
/// stream: c and r insert <c>after</c>; d retracts <c>before</c>; u retracts <c>before</c> then
/// inserts <c>after</c>. Other keys (source, ts_ms, transaction) are ignored; a record
/// wrapped as <c>{"schema":…,"payload":{…}}</c> is unwrapped.
/// </summary>
internal sealed class DebeziumDecoder : RecordDecoder
{
    private readonly JsonRowReader _rows;
    private readonly List<int> _bad = [];
    private readonly List<bool> _retract = [];

    public DebeziumDecoder(Schema output, FormatSettings format) : base(output)
    {
        _rows = new JsonRowReader(DataFields, format with { Unstructured = false });
    }

    public override int RowCount => _rows.Count - _bad.Count;

    public override bool TryDecode(ReadOnlySpan<byte> record, out string? error)
    {
        record = JsonRecords.Trim(record);
        if (JsonRecords.InvalidUtf8(record) is { } invalid)
        {
            // Nothing was appended for this record, so there is no row to drop.
            error = invalid;
            return false;
        }
        var first = _rows.Count;
        var beforeRow = -1;
        var afterRow = -1;
        try
        {
            var reader = new Utf8JsonReader(record);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonDataException("expected a debezium JSON object");
            var op = ReadEnvelope(ref reader, record, ref beforeRow, ref afterRow);
            if (reader.Read()) throw new JsonDataException("unexpected data after the JSON object");
            switch (op)
            {
                case (byte)'c' or (byte)'r':
                    if (afterRow < 0) throw new JsonDataException($"op '{(char)op}' without 'after'");
                    if (beforeRow >= 0) _bad.Add(beforeRow);
                    break;
                case (byte)'d':
                    if (beforeRow < 0) throw new JsonDataException("op 'd' without 'before'");
                    if (afterRow >= 0) _bad.Add(afterRow);
                    break;
                case (byte)'u':
                    if (beforeRow < 0 || afterRow < 0) throw new JsonDataException("op 'u' needs both 'before' and 'after'");
                    // The retraction must come first downstream, whatever the key order in the record.
                    if (afterRow < beforeRow) throw new JsonDataException("op 'u' with 'after' before 'before' is not supported");
                    break;
                default:
                    throw new JsonDataException(op == 0 ? "missing 'op'" : $"unknown op '{(char)op}'");
            }
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or JsonDataException or OverflowException or InvalidOperationException)
        {
            var end = Math.Max(_rows.Count, Math.Max(beforeRow, afterRow) + 1);
            _rows.Abandon(end);
            while (_retract.Count < end) _retract.Add(false);
            for (var r = first; r < end; r++)
            {
                if (!_bad.Contains(r)) _bad.Add(r);
            }
            error = JsonRecords.Message(e);
            return false;
        }
    }

    private byte ReadEnvelope(ref Utf8JsonReader reader, ReadOnlySpan<byte> record, ref int beforeRow, ref int afterRow)
    {
        byte op = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.ValueSpan;
            reader.Read();
            if (key.SequenceEqual("before"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                beforeRow = _rows.Count;
                _rows.ReadRow(ref reader, record);
                _retract.Add(true);
            }
            else if (key.SequenceEqual("after"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                afterRow = _rows.Count;
                _rows.ReadRow(ref reader, record);
                _retract.Add(false);
            }
            else if (key.SequenceEqual("op"u8) && reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 1)
            {
                op = reader.ValueSpan[0];
            }
            else if (key.SequenceEqual("payload"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                op = ReadEnvelope(ref reader, record, ref beforeRow, ref afterRow);
            }
            else
            {
                reader.Skip();
            }
        }
        return op;
    }

    protected override Column[] BuildDataColumns(out bool[]? retractions)
    {
        _bad.Sort();
        var flags = _retract.ToArray();
        var columns = _rows.Build();
        if (_bad.Count > 0)
        {
            var kept = new List<bool>(flags.Length);
            var b = 0;
            for (var i = 0; i < flags.Length; i++)
            {
                if (b < _bad.Count && _bad[b] == i)
                {
                    b++;
                    continue;
                }
                kept.Add(flags[i]);
            }
            flags = kept.ToArray();
        }
        _retract.Clear();
        retractions = flags;
        return JsonRecords.DropRows(columns, _bad);
    }
}
