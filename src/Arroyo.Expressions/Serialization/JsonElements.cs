using System.Text;
using System.Text.Json;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Serialization;

/// <summary>Reading helpers shared by the expression converters (which parse a subtree as a <see cref="JsonElement"/>).</summary>
internal static class JsonElements
{
    private static readonly DataTypeJsonConverter s_types = new();

    public static void WriteType(Utf8JsonWriter writer, string name, DataType type)
    {
        writer.WritePropertyName(name);
        WriteType(writer, type);
    }

    public static void WriteType(Utf8JsonWriter writer, DataType type) => s_types.Write(writer, type, JsonSerializerOptions.Default);

    public static DataType Type(JsonElement element)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(element.GetRawText()));
        reader.Read();
        return s_types.Read(ref reader, typeof(DataType), JsonSerializerOptions.Default);
    }

    public static JsonElement Member(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value : throw new JsonException($"expected member '{name}' in {Abbreviate(element)}");

    public static JsonElement? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string Abbreviate(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 80 ? text : text[..77] + "...";
    }
}
