using System.Text.Json;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Avro;

/// <summary>The Avro schema of a table's declared columns, for raw datums read without a registry.</summary>
public static class AvroSchemas
{
    public static string FromFields(IReadOnlyList<Field> fields, string name = "ArroyoAvroRoot")
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteRecord(writer, name, fields);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteRecord(Utf8JsonWriter writer, string name, IReadOnlyList<Field> fields)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "record");
        writer.WriteString("name", name);
        writer.WriteStartArray("fields");
        foreach (var field in fields)
        {
            writer.WriteStartObject();
            writer.WriteString("name", field.Name);
            writer.WritePropertyName("type");
            if (field.Nullable)
            {
                writer.WriteStartArray();
                writer.WriteStringValue("null");
                WriteType(writer, field);
                writer.WriteEndArray();
            }
            else
            {
                WriteType(writer, field);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteType(Utf8JsonWriter writer, Field field)
    {
        switch (field.Type.Kind)
        {
            case TypeKind.Boolean: writer.WriteStringValue("boolean"); break;
            case TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.UInt8 or TypeKind.UInt16: writer.WriteStringValue("int"); break;
            case TypeKind.Int64 or TypeKind.UInt32 or TypeKind.UInt64: writer.WriteStringValue("long"); break;
            case TypeKind.Float32: writer.WriteStringValue("float"); break;
            case TypeKind.Float64: writer.WriteStringValue("double"); break;
            case TypeKind.Utf8: writer.WriteStringValue("string"); break;
            case TypeKind.Binary: writer.WriteStringValue("bytes"); break;
            case TypeKind.Timestamp:
                writer.WriteStartObject();
                writer.WriteString("type", "long");
                writer.WriteString("logicalType", "timestamp-micros");
                writer.WriteEndObject();
                break;
            default:
                throw new UserException($"not supported: column '{field.Name}' of type {field.Type} in an avro schema derived from the table (give the schema through the registry)");
        }
    }
}
