using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Avro;
using Avro.File;
using Avro.Generic;
using Avro.IO;

namespace Arroyo.Formats.Avro;

/// <summary>
/// Reads Avro records as the reference's avro format does, and writes each as a JSON object
/// that the JSON decoder turns into the table's columns, matching fields by name (so a writer
/// schema with added or removed fields reads into the declared columns: missing ones are NULL,
/// unknown ones ignored). Three framings: the Confluent registry header (magic byte 0, schema
/// id, datum; the writer schema fetched by id), raw datums (<c>avro.raw_datums</c>: the writer
/// schema is the subject's latest in the registry, or the one given), or else an Avro object
/// container file per record (its schema inside). Timestamps become RFC 3339 text.
/// </summary>
public sealed class AvroToJson
{
    private readonly SchemaRegistryClient? _registry;
    private readonly Schema? _rawSchema;
    private readonly bool _confluent;
    private readonly Dictionary<int, DatumReader<object>> _readers = [];
    private readonly MemoryStream _json = new();

    /// <param name="rawSchema">For raw datums without a registry: the writer schema (JSON).</param>
    public AvroToJson(FormatSettings format, SchemaRegistryClient? registry, string? rawSchema)
    {
        _confluent = format.AvroConfluentSchemaRegistry;
        _registry = registry;
        _rawSchema = rawSchema is null ? null : Schema.Parse(rawSchema);
    }

    /// <summary>The JSON text of <paramref name="record"/>, or null with <paramref name="error"/> when it does not decode.</summary>
    public ReadOnlySpan<byte> Convert(ReadOnlySpan<byte> record, out string? error)
    {
        error = null;
        try
        {
            object datum;
            if (_confluent)
            {
                if (record.Length < 5 || record[0] != 0)
                {
                    error = "not a schema registry record (no magic byte 0 and schema id)";
                    return default;
                }
                var id = BinaryPrimitives.ReadInt32BigEndian(record[1..5]);
                datum = Read(ReaderFor(id), record[5..]);
            }
            else if (_rawSchema is not null)
            {
                datum = Read(ReaderFor(-1), record);
            }
            else
            {
                using var file = DataFileReader<object>.OpenReader(new MemoryStream(record.ToArray()));
                datum = file.Next();
            }
            _json.SetLength(0);
            using (var writer = new Utf8JsonWriter(_json))
            {
                Write(writer, datum);
            }
            return _json.GetBuffer().AsSpan(0, (int)_json.Length);
        }
        catch (Exception e) when (e is AvroException or EndOfStreamException or IOException or InvalidCastException or ArgumentException)
        {
            error = "invalid avro record: " + e.Message;
            return default;
        }
    }

    private DatumReader<object> ReaderFor(int id)
    {
        if (_readers.TryGetValue(id, out var reader)) return reader;
        var schema = id < 0 ? _rawSchema! : Schema.Parse(_registry!.SchemaById(id));
        reader = new GenericDatumReader<object>(schema, schema);
        _readers[id] = reader;
        return reader;
    }

    private static object Read(DatumReader<object> reader, ReadOnlySpan<byte> datum) =>
        reader.Read(null!, new BinaryDecoder(new MemoryStream(datum.ToArray())));

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case GenericRecord record:
                writer.WriteStartObject();
                foreach (var field in record.Schema.Fields)
                {
                    writer.WritePropertyName(field.Name);
                    Write(writer, record.GetValue(field.Pos));
                }
                writer.WriteEndObject();
                break;
            case GenericEnum e:
                writer.WriteStringValue(e.Value);
                break;
            case GenericFixed f:
                writer.WriteStringValue(System.Convert.ToBase64String(f.Value));
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case float f:
                writer.WriteNumberValue(f);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case AvroDecimal ad:
                writer.WriteRawValue(ad.ToString(null!, CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case DateTime t:
                writer.WriteStringValue(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                writer.WriteStringValue(System.Convert.ToBase64String(bytes));
                break;
            case System.Collections.IDictionary map:
                writer.WriteStartObject();
                foreach (System.Collections.DictionaryEntry entry in map)
                {
                    writer.WritePropertyName((string)entry.Key);
                    Write(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(System.Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
