using System.Buffers.Binary;
using System.Text.Json;

namespace PlannerUdfs;

/// <summary>CBOR (RFC 8949) to JSON with the BCL only: maps, arrays, numbers, text, bytes (base64), simple values.</summary>
public static class Cbor
{
    /// <summary>The CBOR item in <paramref name="data"/> as JSON text, or NULL when it is not well-formed CBOR.</summary>
    [ScalarUdf]
    public static string? cbor_to_json(byte[] data)
    {
        try
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                var position = 0;
                Item(data, ref position, json, depth: 0);
                if (position != data.Length) return null;
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void Item(byte[] data, ref int position, Utf8JsonWriter json, int depth)
    {
        if (depth > 64) throw new FormatException("nested too deeply");
        var initial = data[position++];
        var major = initial >> 5;
        var info = initial & 0x1f;
        if (major == 7)
        {
            switch (info)
            {
                case 20: json.WriteBooleanValue(false); return;
                case 21: json.WriteBooleanValue(true); return;
                case 22 or 23: json.WriteNullValue(); return;
                case 25: json.WriteNumberValue((double)BinaryPrimitives.ReadHalfBigEndian(Take(data, ref position, 2))); return;
                case 26: json.WriteNumberValue(BinaryPrimitives.ReadSingleBigEndian(Take(data, ref position, 4))); return;
                case 27: json.WriteNumberValue(BinaryPrimitives.ReadDoubleBigEndian(Take(data, ref position, 8))); return;
                default: throw new FormatException($"simple value {info}");
            }
        }
        var argument = Argument(data, ref position, info);
        switch (major)
        {
            case 0: json.WriteNumberValue(argument); break;
            case 1: json.WriteNumberValue(-1 - (decimal)argument); break;
            case 2: json.WriteBase64StringValue(Take(data, ref position, checked((int)argument))); break;
            case 3: json.WriteStringValue(Encoding.UTF8.GetString(Take(data, ref position, checked((int)argument)))); break;
            case 4:
                json.WriteStartArray();
                for (ulong i = 0; i < argument; i++) Item(data, ref position, json, depth + 1);
                json.WriteEndArray();
                break;
            case 5:
                json.WriteStartObject();
                for (ulong i = 0; i < argument; i++)
                {
                    var keyStart = data[position];
                    if (keyStart >> 5 != 3) throw new FormatException("map keys must be text");
                    position++;
                    var length = checked((int)Argument(data, ref position, keyStart & 0x1f));
                    json.WritePropertyName(Encoding.UTF8.GetString(Take(data, ref position, length)));
                    Item(data, ref position, json, depth + 1);
                }
                json.WriteEndObject();
                break;
            default: // 6: a tag; the tagged item stands for itself
                Item(data, ref position, json, depth + 1);
                break;
        }
    }

    private static ulong Argument(byte[] data, ref int position, int info) => info switch
    {
        < 24 => (ulong)info,
        24 => data[position++],
        25 => BinaryPrimitives.ReadUInt16BigEndian(Take(data, ref position, 2)),
        26 => BinaryPrimitives.ReadUInt32BigEndian(Take(data, ref position, 4)),
        27 => BinaryPrimitives.ReadUInt64BigEndian(Take(data, ref position, 8)),
        _ => throw new FormatException("indefinite lengths are not supported"),
    };

    private static ReadOnlySpan<byte> Take(byte[] data, ref int position, int length)
    {
        var span = data.AsSpan(position, length);
        position += length;
        return span;
    }
}
