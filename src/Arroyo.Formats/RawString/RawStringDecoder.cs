using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats.Json;

namespace Arroyo.Formats.RawString;

/// <summary>
/// Each record is the text of the single TEXT column (usually <c>value</c>); with
/// <c>rawBytes</c> (format raw_bytes) the bytes of the single BYTEA column, as they are.
/// </summary>
internal sealed class RawStringDecoder : RecordDecoder
{
    private readonly StringColumnBuilder _values;
    private readonly bool _rawBytes;

    public RawStringDecoder(Schema output, bool rawBytes = false) : base(output)
    {
        _rawBytes = rawBytes;
        var kind = rawBytes ? TypeKind.Binary : TypeKind.Utf8;
        if (DataFields.Count != 1 || DataFields[0].Type.Kind != kind)
        {
            throw new UserException(rawBytes
                ? "raw_bytes format requires a single BYTEA column (usually named value)"
                : "raw_string format requires a single TEXT column (usually named value)");
        }
        _values = new StringColumnBuilder(DataFields[0].Type, 1024);
    }

    public override int RowCount => _values.Count;

    public override bool TryDecode(ReadOnlySpan<byte> record, out string? error)
    {
        if (_rawBytes)
        {
            _values.Append(record);
            error = null;
            return true;
        }
        if (record.Length > 0 && record[^1] == (byte)'\r') record = record[..^1];
        if (JsonRecords.InvalidUtf8(record) is { } invalid)
        {
            error = invalid;
            return false;
        }
        _values.Append(record);
        error = null;
        return true;
    }

    protected override Column[] BuildDataColumns(out bool[]? retractions)
    {
        retractions = null;
        return [_values.Build()];
    }
}
