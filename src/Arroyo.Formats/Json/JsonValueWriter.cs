using System.Buffers.Text;
using System.Globalization;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>
/// Writes one column value as JSON the way the reference's encoder does: NULL as
/// <c>null</c>; timestamps as naive ISO-8601 with 0/3/6/9 fraction digits (or epoch millis);
/// JSON-typed columns as a string holding their text; decimals as numbers with their scale;
/// structs as objects and arrays as arrays.
/// </summary>
internal sealed class JsonValueWriter
{
    private static readonly int s_epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private readonly bool _unixMillis;
    private readonly Dictionary<DataType, byte[][]> _structKeys = new();

    public JsonValueWriter(TimestampFormat timestamps)
    {
        _unixMillis = timestamps == TimestampFormat.UnixMillis;
    }

    public void Write(ByteBuffer output, Column column, int row)
    {
        if (column.IsNull(row))
        {
            output.Write("null"u8);
            return;
        }
        switch (column)
        {
            case PrimitiveColumn<long> longs:
                switch (column.Type.Kind)
                {
                    case TypeKind.Timestamp: WriteTimestamp(output, longs.Values[row]); break;
                    case TypeKind.Time: WriteTime(output, longs.Values[row]); break;
                    default: JsonNumbers.WriteInt64(output, longs.Values[row]); break;
                }
                break;
            case PrimitiveColumn<int> ints:
                if (column.Type.Kind == TypeKind.Date) WriteDate(output, ints.Values[row]);
                else JsonNumbers.WriteInt64(output, ints.Values[row]);
                break;
            case PrimitiveColumn<double> doubles: JsonNumbers.WriteDouble(output, doubles.Values[row]); break;
            case PrimitiveColumn<float> floats: JsonNumbers.WriteFloat(output, floats.Values[row]); break;
            case PrimitiveColumn<ulong> ulongs: JsonNumbers.WriteUInt64(output, ulongs.Values[row]); break;
            case PrimitiveColumn<uint> uints: JsonNumbers.WriteUInt64(output, uints.Values[row]); break;
            case PrimitiveColumn<short> shorts: JsonNumbers.WriteInt64(output, shorts.Values[row]); break;
            case PrimitiveColumn<ushort> ushorts: JsonNumbers.WriteUInt64(output, ushorts.Values[row]); break;
            case PrimitiveColumn<sbyte> sbytes: JsonNumbers.WriteInt64(output, sbytes.Values[row]); break;
            case PrimitiveColumn<byte> bytes: JsonNumbers.WriteUInt64(output, bytes.Values[row]); break;
            case PrimitiveColumn<bool> bools: output.Write(bools.Values[row] ? "true"u8 : "false"u8); break;
            case PrimitiveColumn<decimal> decimals: WriteDecimal(output, decimals.Values[row], column.Type.Scale); break;
            case PrimitiveColumn<IntervalValue> intervals: WriteInterval(output, intervals.Values[row]); break;
            case StringColumn strings:
                if (column.Type.Kind == TypeKind.Binary) WriteBinary(output, strings.GetBytes(row));
                else JsonText.WriteString(output, strings.GetBytes(row));
                break;
            case StructColumn structs: WriteStruct(output, structs, row); break;
            case ListColumn lists: WriteList(output, lists, row); break;
            default: output.Write("null"u8); break;
        }
    }

    public void WriteTimestamp(ByteBuffer output, long nanos)
    {
        if (_unixMillis)
        {
            JsonNumbers.WriteInt64(output, Timestamps.FloorDiv(nanos, Timestamps.NanosPerMilli));
            return;
        }
        output.Write((byte)'"');
        WriteIso(output, nanos);
        output.Write((byte)'"');
    }

    /// <summary>Naive ISO-8601 as <see cref="Timestamps.FormatIso"/>, without allocating.</summary>
    public static void WriteIso(ByteBuffer output, long nanos)
    {
        var seconds = Timestamps.FloorDiv(nanos, Timestamps.NanosPerSecond);
        var fraction = nanos - seconds * Timestamps.NanosPerSecond;
        var days = Timestamps.FloorDiv(seconds, 86_400);
        var secondOfDay = seconds - days * 86_400;
        var dayNumber = s_epochDay + days;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            output.Write(System.Text.Encoding.ASCII.GetBytes(nanos.ToString(CultureInfo.InvariantCulture)));
            return;
        }
        var date = DateOnly.FromDayNumber((int)dayNumber);
        var span = output.GetSpan(32);
        Digits(span, 0, date.Year, 4);
        span[4] = (byte)'-';
        Digits(span, 5, date.Month, 2);
        span[7] = (byte)'-';
        Digits(span, 8, date.Day, 2);
        span[10] = (byte)'T';
        Digits(span, 11, (int)(secondOfDay / 3600), 2);
        span[13] = (byte)':';
        Digits(span, 14, (int)(secondOfDay / 60 % 60), 2);
        span[16] = (byte)':';
        Digits(span, 17, (int)(secondOfDay % 60), 2);
        var length = 19;
        if (fraction != 0)
        {
            span[length++] = (byte)'.';
            if (fraction % Timestamps.NanosPerMilli == 0)
            {
                Digits(span, length, (int)(fraction / Timestamps.NanosPerMilli), 3);
                length += 3;
            }
            else if (fraction % Timestamps.NanosPerMicro == 0)
            {
                Digits(span, length, (int)(fraction / Timestamps.NanosPerMicro), 6);
                length += 6;
            }
            else
            {
                Digits(span, length, (int)fraction, 9);
                length += 9;
            }
        }
        output.Advance(length);
    }

    private static void Digits(Span<byte> span, int at, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            span[at + i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    private static void WriteDate(ByteBuffer output, int days)
    {
        var date = DateOnly.FromDayNumber(s_epochDay + days);
        output.Write((byte)'"');
        var span = output.GetSpan(10);
        Digits(span, 0, date.Year, 4);
        span[4] = (byte)'-';
        Digits(span, 5, date.Month, 2);
        span[7] = (byte)'-';
        Digits(span, 8, date.Day, 2);
        output.Advance(10);
        output.Write((byte)'"');
    }

    private static void WriteTime(ByteBuffer output, long nanos)
    {
        // A time of day is the timestamp of that time on the epoch day, minus the date.
        var buffer = new ByteBuffer(32);
        WriteIso(buffer, nanos);
        output.Write((byte)'"');
        output.Write(buffer.Written[11..]);
        output.Write((byte)'"');
    }

    private static void WriteDecimal(ByteBuffer output, decimal value, int scale)
    {
        var span = output.GetSpan(64);
        Utf8Formatter.TryFormat(value, span, out var written, new System.Buffers.StandardFormat('F', (byte)Math.Clamp(scale, 0, 28)));
        output.Advance(written);
    }

    private static void WriteInterval(ByteBuffer output, IntervalValue value)
    {
        var text = $"{value.Months} mons {value.Days} days {value.Nanoseconds / (double)Timestamps.NanosPerSecond} secs";
        JsonText.WriteString(output, text);
    }

    private static void WriteBinary(ByteBuffer output, ReadOnlySpan<byte> bytes)
    {
        output.Write((byte)'"');
        var span = output.GetSpan(bytes.Length * 2);
        for (var i = 0; i < bytes.Length; i++)
        {
            span[2 * i] = (byte)"0123456789abcdef"[bytes[i] >> 4];
            span[2 * i + 1] = (byte)"0123456789abcdef"[bytes[i] & 15];
        }
        output.Advance(bytes.Length * 2);
        output.Write((byte)'"');
    }

    private void WriteStruct(ByteBuffer output, StructColumn column, int row)
    {
        if (!_structKeys.TryGetValue(column.Type, out var keys))
        {
            keys = column.Type.Fields.Select(f => JsonText.Key(f.Name)).ToArray();
            _structKeys[column.Type] = keys;
        }
        output.Write((byte)'{');
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0) output.Write((byte)',');
            output.Write(keys[i]);
            Write(output, column.Children[i], row);
        }
        output.Write((byte)'}');
    }

    private void WriteList(ByteBuffer output, ListColumn column, int row)
    {
        if (column.Type.IsMap)
        {
            WriteMap(output, column, row);
            return;
        }
        output.Write((byte)'[');
        for (var j = column.Offsets[row]; j < column.Offsets[row + 1]; j++)
        {
            if (j > column.Offsets[row]) output.Write((byte)',');
            Write(output, column.Values, j);
        }
        output.Write((byte)']');
    }

    /// <summary>A MAP is a JSON object (as Arrow's JSON writer writes one); keys that are not text are quoted.</summary>
    private void WriteMap(ByteBuffer output, ListColumn column, int row)
    {
        var entries = (StructColumn)column.Values;
        var (keys, values) = (entries.Children[0], entries.Children[1]);
        output.Write((byte)'{');
        for (var j = column.Offsets[row]; j < column.Offsets[row + 1]; j++)
        {
            if (j > column.Offsets[row]) output.Write((byte)',');
            var quote = keys is not StringColumn;
            if (quote) output.Write((byte)'"');
            Write(output, keys, j);
            if (quote) output.Write((byte)'"');
            output.Write((byte)':');
            Write(output, values, j);
        }
        output.Write((byte)'}');
    }
}
