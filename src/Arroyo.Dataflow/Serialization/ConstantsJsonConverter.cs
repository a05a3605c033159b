using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Dataflow.Serialization;

/// <summary>An aggregate's constant parameters (a percentile as a number, a delimiter as a string) to JSON and back, keeping their CLR types.</summary>
public sealed class ConstantsJsonConverter : JsonConverter<IReadOnlyList<object?>>
{
    public override IReadOnlyList<object?> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of constants");
        var values = new List<object?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.Number => reader.GetDouble(),
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                _ => throw new JsonException($"unexpected {reader.TokenType} among constants"),
            });
        }
        return values;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<object?> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            switch (item)
            {
                case null: writer.WriteNullValue(); break;
                case string s: writer.WriteStringValue(s); break;
                case bool b: writer.WriteBooleanValue(b); break;
                case double d: writer.WriteNumberValue(d); break;
                default: throw new NotSupportedException($"no JSON form for an aggregate parameter of type {item.GetType().Name}");
            }
        }
        writer.WriteEndArray();
    }
}
