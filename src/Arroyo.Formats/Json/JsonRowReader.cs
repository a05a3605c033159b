using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>
/// Reads JSON objects straight into typed column builders with <see cref="Utf8JsonReader"/>:
/// no DOM and no per-field allocation. Keys are matched against precomputed UTF-8 names,
/// trying the field after the previous match first since producers usually keep key order.
/// Unknown keys are skipped; missing keys and <c>null</c> give NULL (an error for NOT NULL
/// fields). Conversions follow the reference (arrow-json): numbers in strings are accepted for
/// numeric columns, timestamps come from RFC 3339 text or from numbers in nanoseconds.
/// Failures throw <see cref="JsonDataException"/>; the caller then repairs the row with
/// <see cref="Abandon"/>.
/// </summary>
internal sealed class JsonRowReader
{
    private readonly JsonSlot[] _slots;
    private readonly bool[] _seen;
    private readonly bool _unixMillis;
    private readonly int _unstructured = -1;

    /// <param name="unread">Indices of <paramref name="fields"/> nobody downstream reads (from the planner's column pruning).</param>
    /// <param name="fastPath">False to read every record with <see cref="Utf8JsonReader"/> (tests compare the two).</param>
    public JsonRowReader(IReadOnlyList<Field> fields, FormatSettings format, IReadOnlySet<int>? unread = null, bool fastPath = true)
    {
        _slots = fields.Select((f, i) => new JsonSlot(f, ColumnBuilder.Create(f.Type, 1024))
        {
            Unread = unread is not null && unread.Contains(i) && f.Type.Kind == TypeKind.Utf8 && !f.Type.IsJson,
        }).ToArray();
        _seen = new bool[_slots.Length];
        _unixMillis = format.TimestampFormat == TimestampFormat.UnixMillis && !format.IsDebezium;
        if (format.Unstructured)
        {
            _unstructured = Array.FindIndex(_slots, s => s.IsJson && s.Field.Name == "value");
            if (_unstructured < 0) _unstructured = Array.FindIndex(_slots, s => s.IsJson || s.Kind == TypeKind.Utf8);
        }
        Fast = fastPath && _unstructured < 0 ? JsonFastPath.For(_slots, _unixMillis) : null;
    }

    /// <summary>The byte-level reader for records of the common shape, when every field's type allows one.</summary>
    public JsonFastPath? Fast { get; }

    /// <summary>Whether any builder holds more than <paramref name="rows"/> rows (a row was begun).</summary>
    public bool Began(int rows) => _slots.Any(s => s.Builder.Count > rows);

    /// <summary>Rows appended (including abandoned ones) since the last <see cref="Build"/>.</summary>
    public int Count => _slots.Length == 0 ? _nullRows : _slots[0].Builder.Count;

    private int _nullRows;

    public bool IsUnstructured => _unstructured >= 0;

    /// <summary>Appends the object the reader is on (StartObject) as one row; <paramref name="record"/> is the reader's input.</summary>
    public void ReadRow(ref Utf8JsonReader reader, ReadOnlySpan<byte> record)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonDataException($"expected a JSON object, found {Describe(reader.TokenType)}");
        ReadObject(ref reader, _slots, _seen, record);
        if (_slots.Length == 0) _nullRows++;
    }

    /// <summary><c>json.unstructured</c>: the whole record (already validated) is the row's value column.</summary>
    public void AppendUnstructured(ReadOnlySpan<byte> record)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (i == _unstructured) ((StringColumnBuilder)_slots[i].Builder).Append(record);
            else _slots[i].Builder.AppendNull();
        }
        if (_slots.Length == 0) _nullRows++;
    }

    /// <summary>After a failure: makes every builder whole again with <paramref name="rows"/> rows (the caller drops the bad ones).</summary>
    public void Abandon(int rows)
    {
        foreach (var slot in _slots) JsonSlot.Pad(slot.Builder, rows);
        if (_slots.Length == 0) _nullRows = rows;
    }

    public Column[] Build()
    {
        _nullRows = 0;
        return _slots.Select(s => s.Builder.Build()).ToArray();
    }

    private void ReadObject(ref Utf8JsonReader reader, JsonSlot[] slots, bool[] seen, ReadOnlySpan<byte> record)
    {
        Array.Clear(seen);
        var next = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                for (var i = 0; i < slots.Length; i++)
                {
                    if (seen[i]) continue;
                    if (!slots[i].Field.Nullable) throw new JsonDataException($"missing value for NOT NULL field '{slots[i].Field.Name}'");
                    slots[i].Builder.AppendNull();
                }
                return;
            }
            var index = FindSlot(ref reader, slots, next);
            reader.Read();
            if (index < 0 || seen[index])
            {
                reader.Skip();
                continue;
            }
            seen[index] = true;
            next = index + 1;
            ReadValue(ref reader, slots[index], record);
        }
        throw new JsonDataException("unexpected end of record inside an object");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FindSlot(ref Utf8JsonReader reader, JsonSlot[] slots, int hint)
    {
        if (reader.ValueIsEscaped) return FindSlotSlow(reader.GetString()!, slots);
        return FindSlot(reader.ValueSpan, slots, hint);
    }

    /// <summary>The slot an unescaped key names: exact first (the one after the previous match, then all), then ignoring ASCII case; -1 if none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FindSlot(ReadOnlySpan<byte> key, JsonSlot[] slots, int hint)
    {
        if (hint < slots.Length && key.SequenceEqual(slots[hint].Name)) return hint;
        for (var i = 0; i < slots.Length; i++)
        {
            if (key.SequenceEqual(slots[i].Name)) return i;
        }
        for (var i = 0; i < slots.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(key, slots[i].Name)) return i;
        }
        return -1;
    }

    private static int FindSlotSlow(string key, JsonSlot[] slots)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Field.Name == key) return i;
        }
        for (var i = 0; i < slots.Length; i++)
        {
            if (string.Equals(slots[i].Field.Name, key, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    private void ReadValue(ref Utf8JsonReader reader, JsonSlot slot, ReadOnlySpan<byte> record)
    {
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            if (!slot.Field.Nullable) throw new JsonDataException($"null for NOT NULL field '{slot.Field.Name}'");
            slot.Builder.AppendNull();
            return;
        }
        if (slot.IsJson)
        {
            ReadRawJson(ref reader, slot, record);
            return;
        }
        switch (slot.Kind)
        {
            case TypeKind.Boolean: ((PrimitiveColumnBuilder<bool>)slot.Builder).Append(ReadBool(ref reader, slot)); break;
            case TypeKind.Int8: ((PrimitiveColumnBuilder<sbyte>)slot.Builder).Append(checked((sbyte)ReadInt64(ref reader, slot))); break;
            case TypeKind.Int16: ((PrimitiveColumnBuilder<short>)slot.Builder).Append(checked((short)ReadInt64(ref reader, slot))); break;
            case TypeKind.Int32: ((PrimitiveColumnBuilder<int>)slot.Builder).Append(checked((int)ReadInt64(ref reader, slot))); break;
            case TypeKind.Int64: ((PrimitiveColumnBuilder<long>)slot.Builder).Append(ReadInt64(ref reader, slot)); break;
            case TypeKind.UInt8: ((PrimitiveColumnBuilder<byte>)slot.Builder).Append(checked((byte)ReadUInt64(ref reader, slot))); break;
            case TypeKind.UInt16: ((PrimitiveColumnBuilder<ushort>)slot.Builder).Append(checked((ushort)ReadUInt64(ref reader, slot))); break;
            case TypeKind.UInt32: ((PrimitiveColumnBuilder<uint>)slot.Builder).Append(checked((uint)ReadUInt64(ref reader, slot))); break;
            case TypeKind.UInt64: ((PrimitiveColumnBuilder<ulong>)slot.Builder).Append(ReadUInt64(ref reader, slot)); break;
            case TypeKind.Float32: ((PrimitiveColumnBuilder<float>)slot.Builder).Append((float)ReadDouble(ref reader, slot)); break;
            case TypeKind.Float64: ((PrimitiveColumnBuilder<double>)slot.Builder).Append(ReadDouble(ref reader, slot)); break;
            case TypeKind.Decimal: ((PrimitiveColumnBuilder<decimal>)slot.Builder).Append(ReadDecimal(ref reader, slot)); break;
            case TypeKind.Utf8: ReadText(ref reader, slot); break;
            case TypeKind.Binary: ReadText(ref reader, slot); break;
            case TypeKind.Timestamp: ((PrimitiveColumnBuilder<long>)slot.Builder).Append(ReadTimestamp(ref reader, slot)); break;
            case TypeKind.Date: ((PrimitiveColumnBuilder<int>)slot.Builder).Append(ReadDate(ref reader, slot)); break;
            case TypeKind.Time: ((PrimitiveColumnBuilder<long>)slot.Builder).Append(ReadTime(ref reader, slot)); break;
            case TypeKind.List: ReadList(ref reader, slot, record); break;
            case TypeKind.Struct: ReadStruct(ref reader, slot, record); break;
            case TypeKind.Null: slot.Builder.AppendNull(); reader.Skip(); break;
            default: throw new JsonDataException($"cannot read field '{slot.Field.Name}' of type {slot.Field.Type} from JSON");
        }
    }

    private void ReadList(ref Utf8JsonReader reader, JsonSlot slot, ReadOnlySpan<byte> record)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Mismatch(slot, reader.TokenType);
        var element = slot.Element!;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ReadValue(ref reader, element, record);
        ((ListColumnBuilder)slot.Builder).EndRow();
    }

    private void ReadStruct(ref Utf8JsonReader reader, JsonSlot slot, ReadOnlySpan<byte> record)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Mismatch(slot, reader.TokenType);
        ReadObject(ref reader, slot.Children!, slot.Seen!, record);
        ((StructColumnBuilder)slot.Builder).EndRow();
    }

    private static void ReadRawJson(ref Utf8JsonReader reader, JsonSlot slot, ReadOnlySpan<byte> record)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        var end = (int)reader.BytesConsumed;
        // Utf8JsonReader does not expose its input, so the record it reads is passed along.
        ((StringColumnBuilder)slot.Builder).Append(record[start..end]);
    }

    private static void ReadText(ref Utf8JsonReader reader, JsonSlot slot)
    {
        var builder = (StringColumnBuilder)slot.Builder;
        switch (reader.TokenType)
        {
            case JsonTokenType.String when slot.Unread:
                builder.Append(ReadOnlySpan<byte>.Empty);
                break;
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped)
                {
                    builder.Append(reader.ValueSpan);
                }
                else
                {
                    var target = builder.GetWriteSpan(reader.ValueSpan.Length);
                    builder.CommitWritten(reader.CopyString(target));
                }
                break;
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                builder.Append(reader.ValueSpan);
                break;
            default:
                throw Mismatch(slot, reader.TokenType);
        }
    }

    private static bool ReadBool(ref Utf8JsonReader reader, JsonSlot slot)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.String:
                var text = reader.ValueSpan;
                if (Ascii.EqualsIgnoreCase(text, "true"u8)) return true;
                if (Ascii.EqualsIgnoreCase(text, "false"u8)) return false;
                break;
        }
        throw Mismatch(slot, reader.TokenType);
    }

    private static long ReadInt64(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var value)) return value;
        }
        else if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch(slot, reader.TokenType);
        }
        var span = reader.ValueSpan;
        if (Utf8Parser.TryParse(span, out long parsed, out var used) && used == span.Length) return parsed;
        // Integral values written as floats (1.0, 1e3) are accepted, as arrow-json does.
        if (Utf8Parser.TryParse(span, out double d, out used) && used == span.Length && d == Math.Floor(d) && d is >= long.MinValue and <= long.MaxValue)
        {
            return (long)d;
        }
        throw Bad(slot, span);
    }

    private static ulong ReadUInt64(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetUInt64(out var value)) return value;
        }
        else if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch(slot, reader.TokenType);
        }
        var span = reader.ValueSpan;
        if (Utf8Parser.TryParse(span, out ulong parsed, out var used) && used == span.Length) return parsed;
        if (Utf8Parser.TryParse(span, out double d, out used) && used == span.Length && d == Math.Floor(d) && d is >= 0 and <= ulong.MaxValue)
        {
            return (ulong)d;
        }
        throw Bad(slot, span);
    }

    private static double ReadDouble(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetDouble();
        if (reader.TokenType != JsonTokenType.String) throw Mismatch(slot, reader.TokenType);
        var span = reader.ValueSpan;
        if (Utf8Parser.TryParse(span, out double d, out var used) && used == span.Length) return d;
        if (Ascii.EqualsIgnoreCase(span, "nan"u8)) return double.NaN;
        if (Ascii.EqualsIgnoreCase(span, "inf"u8) || Ascii.EqualsIgnoreCase(span, "infinity"u8)) return double.PositiveInfinity;
        if (Ascii.EqualsIgnoreCase(span, "-inf"u8) || Ascii.EqualsIgnoreCase(span, "-infinity"u8)) return double.NegativeInfinity;
        throw Bad(slot, span);
    }

    private static decimal ReadDecimal(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String)) throw Mismatch(slot, reader.TokenType);
        var span = reader.ValueSpan;
        if (!Utf8Parser.TryParse(span, out decimal value, out var used, 'E') || used != span.Length)
        {
            if (!Utf8Parser.TryParse(span, out value, out used) || used != span.Length) throw Bad(slot, span);
        }
        return Math.Round(value, slot.Field.Type.Scale, MidpointRounding.AwayFromZero);
    }

    private long ReadTimestamp(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetInt64(out var number)) throw Bad(slot, reader.ValueSpan);
            return _unixMillis ? number * Timestamps.NanosPerMilli : number;
        }
        if (reader.TokenType != JsonTokenType.String) throw Mismatch(slot, reader.TokenType);
        // Unescaped (the usual case): parse the UTF-8 bytes as they are.
        if (!reader.ValueIsEscaped && Timestamps.TryParse(reader.ValueSpan, out var direct)) return direct;
        Span<char> chars = stackalloc char[64];
        var length = ToChars(ref reader, chars);
        if (length >= 0 && Timestamps.TryParse(chars[..length], out var nanos)) return nanos;
        throw Bad(slot, reader.ValueSpan);
    }

    private static int ReadDate(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var days)) return days;
        if (reader.TokenType != JsonTokenType.String) throw Mismatch(slot, reader.TokenType);
        Span<char> chars = stackalloc char[64];
        var length = ToChars(ref reader, chars);
        if (length >= 0 && DateOnly.TryParseExact(chars[..length], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        }
        throw Bad(slot, reader.ValueSpan);
    }

    private static long ReadTime(ref Utf8JsonReader reader, JsonSlot slot)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var nanos)) return nanos;
        if (reader.TokenType != JsonTokenType.String) throw Mismatch(slot, reader.TokenType);
        Span<char> chars = stackalloc char[64];
        var length = ToChars(ref reader, chars);
        if (length >= 0 && TimeOnly.TryParse(chars[..length], CultureInfo.InvariantCulture, out var time)) return time.Ticks * 100;
        throw Bad(slot, reader.ValueSpan);
    }

    // Short ASCII strings (timestamps, dates) widened to chars on the stack; -1 if too long.
    private static int ToChars(scoped ref Utf8JsonReader reader, scoped Span<char> chars)
    {
        scoped var span = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            if (span.Length > 64) return -1;
            Span<byte> unescaped = stackalloc byte[64];
            var n = reader.CopyString(unescaped);
            return Encoding.UTF8.TryGetChars(unescaped[..n], chars, out var w) ? w : -1;
        }
        if (span.Length > chars.Length) return -1;
        return Encoding.UTF8.TryGetChars(span, chars, out var written) ? written : -1;
    }

    private static JsonDataException Mismatch(JsonSlot slot, JsonTokenType token) =>
        new($"field '{slot.Field.Name}' of type {slot.Field.Type} cannot hold a JSON {Describe(token)}");

    private static JsonDataException Bad(JsonSlot slot, ReadOnlySpan<byte> text) =>
        new($"invalid value '{Encoding.UTF8.GetString(text)}' for field '{slot.Field.Name}' of type {slot.Field.Type}");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}

/// <summary>A JSON record whose values do not fit the table's schema.</summary>
internal sealed class JsonDataException(string message) : Exception(message);
