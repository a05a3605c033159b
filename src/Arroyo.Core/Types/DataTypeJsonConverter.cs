using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Core.Types;

/// <summary>
/// <see cref="DataType"/> in JSON: a scalar type is its kind's name (<c>"Int64"</c>, <c>"Json"</c>
/// for JSON text); a decimal, list or struct is an object (<c>{"kind":"Decimal","precision":10,"scale":2}</c>,
/// <c>{"kind":"List","element":…}</c>, <c>{"kind":"Map","element":…entries struct…}</c>, <c>{"kind":"Struct","fields":[{"name":…,"type":…,"nullable":…}]}</c>).
/// Reading gives back the shared instances of the scalar types.
/// </summary>
public sealed class DataTypeJsonConverter : JsonConverter<DataType>
{
    private const string JsonName = "Json";
    private const string MapName = "Map";

    public override DataType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return Scalar(reader.GetString()!);
        Expect(ref reader, JsonTokenType.StartObject);
        string? kind = null;
        int precision = 0, scale = 0;
        DataType? element = null;
        List<Field>? fields = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "kind": kind = reader.GetString(); break;
                case "precision": precision = reader.GetInt32(); break;
                case "scale": scale = reader.GetInt32(); break;
                case "element": element = Read(ref reader, typeToConvert, options); break;
                case "fields": fields = ReadFields(ref reader, options); break;
                default: throw new JsonException($"unknown data type member '{name}'");
            }
        }
        return kind switch
        {
            nameof(TypeKind.Decimal) => DataType.Decimal(precision, scale),
            nameof(TypeKind.List) => DataType.List(element ?? throw new JsonException("list type without element")),
            MapName => DataType.MapOf(element ?? throw new JsonException("map type without entries")),
            nameof(TypeKind.Struct) => DataType.Struct(fields ?? []),
            _ => throw new JsonException($"unknown data type kind '{kind}'"),
        };
    }

    public override void Write(Utf8JsonWriter writer, DataType value, JsonSerializerOptions options)
    {
        switch (value.Kind)
        {
            case TypeKind.Decimal:
                writer.WriteStartObject();
                writer.WriteString("kind", nameof(TypeKind.Decimal));
                writer.WriteNumber("precision", value.Precision);
                writer.WriteNumber("scale", value.Scale);
                writer.WriteEndObject();
                break;
            case TypeKind.List:
                writer.WriteStartObject();
                writer.WriteString("kind", value.IsMap ? MapName : nameof(TypeKind.List));
                writer.WritePropertyName("element");
                Write(writer, value.Element!, options);
                writer.WriteEndObject();
                break;
            case TypeKind.Struct:
                writer.WriteStartObject();
                writer.WriteString("kind", nameof(TypeKind.Struct));
                writer.WriteStartArray("fields");
                foreach (var field in value.Fields)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", field.Name);
                    writer.WritePropertyName("type");
                    Write(writer, field.Type, options);
                    writer.WriteBoolean("nullable", field.Nullable);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue(value.IsJson ? JsonName : value.Kind.ToString());
                break;
        }
    }

    private List<Field> ReadFields(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var fields = new List<Field>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(ref reader, JsonTokenType.StartObject);
            string? name = null;
            DataType? type = null;
            var nullable = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var member = reader.GetString();
                reader.Read();
                switch (member)
                {
                    case "name": name = reader.GetString(); break;
                    case "type": type = Read(ref reader, typeof(DataType), options); break;
                    case "nullable": nullable = reader.GetBoolean(); break;
                    default: throw new JsonException($"unknown struct field member '{member}'");
                }
            }
            fields.Add(new Field(name ?? throw new JsonException("struct field without name"), type ?? throw new JsonException($"struct field '{name}' without type"), nullable));
        }
        return fields;
    }

    private static DataType Scalar(string name) => name switch
    {
        JsonName => DataType.Json,
        nameof(TypeKind.Null) => DataType.Null,
        nameof(TypeKind.Boolean) => DataType.Boolean,
        nameof(TypeKind.Int8) => DataType.Int8,
        nameof(TypeKind.Int16) => DataType.Int16,
        nameof(TypeKind.Int32) => DataType.Int32,
        nameof(TypeKind.Int64) => DataType.Int64,
        nameof(TypeKind.UInt8) => DataType.UInt8,
        nameof(TypeKind.UInt16) => DataType.UInt16,
        nameof(TypeKind.UInt32) => DataType.UInt32,
        nameof(TypeKind.UInt64) => DataType.UInt64,
        nameof(TypeKind.Float32) => DataType.Float32,
        nameof(TypeKind.Float64) => DataType.Float64,
        nameof(TypeKind.Utf8) => DataType.Utf8,
        nameof(TypeKind.Binary) => DataType.Binary,
        nameof(TypeKind.Timestamp) => DataType.Timestamp,
        nameof(TypeKind.Date) => DataType.Date,
        nameof(TypeKind.Time) => DataType.Time,
        nameof(TypeKind.Interval) => DataType.Interval,
        _ => throw new JsonException($"unknown data type '{name}'"),
    };

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token) throw new JsonException($"expected {token} in a data type, found {reader.TokenType}");
    }
}
