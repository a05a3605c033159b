using System.Text.Json;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>Newline-delimited JSON objects (or, with json.unstructured, any JSON value as one <c>value JSON</c> column).</summary>
internal sealed class JsonDecoder : RecordDecoder
{
    private readonly JsonRowReader _rows;
    private readonly List<int> _bad = [];

    public JsonDecoder(Schema output, FormatSettings format, Arroyo.Dataflow.ColumnUsage? usage = null, bool fastPath = true) : base(output)
    {
        _rows = new JsonRowReader(DataFields, format, UnreadDataFields(usage), fastPath);
    }

    public override int RowCount => _rows.Count - _bad.Count;

    public override bool TryDecode(ReadOnlySpan<byte> record, out string? error)
    {
        record = JsonRecords.Trim(record);
        var row = _rows.Count;
        if (_rows.Fast is { } fast)
        {
            // The fast path checks the UTF-8 of every string it passes (and refuses any other
            // non-ASCII byte), so a record it takes needs no separate validation pass.
            if (fast.TryRead(record))
            {
                error = null;
                return true;
            }
            // The fast path leaves this record to the full reader; a row it began is dropped.
            if (_rows.Began(row))
            {
                _rows.Abandon(row + 1);
                _bad.Add(row);
                row++;
            }
        }
        if (JsonRecords.InvalidUtf8(record) is { } invalid)
        {
            // Any row begun for this record was dropped above, so there is no row to drop.
            error = invalid;
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(record);
            if (_rows.IsUnstructured)
            {
                // Validate the whole value before keeping its text.
                while (reader.Read()) { }
                if (reader.BytesConsumed == 0) throw new JsonDataException("empty record");
                _rows.AppendUnstructured(record);
            }
            else
            {
                if (!reader.Read()) throw new JsonDataException("empty record");
                _rows.ReadRow(ref reader, record);
                if (reader.Read()) throw new JsonDataException("unexpected data after the JSON object");
            }
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or JsonDataException or OverflowException or InvalidOperationException)
        {
            _rows.Abandon(row + 1);
            _bad.Add(row);
            error = JsonRecords.Message(e);
            return false;
        }
    }

    protected override Column[] BuildDataColumns(out bool[]? retractions)
    {
        retractions = null;
        var columns = _rows.Build();
        return JsonRecords.DropRows(columns, _bad);
    }
}
