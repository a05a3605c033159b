using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Expressions.Serialization;

/// <summary><see cref="FunctionRef"/> as <c>{"name":…,"arguments":[types],"returns":type,"volatile":true?}</c>.</summary>
public sealed class FunctionRefJsonConverter : JsonConverter<FunctionRef>
{
    public override FunctionRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return Read(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, FunctionRef value, JsonSerializerOptions options) => Write(writer, value);

    internal static void Write(Utf8JsonWriter writer, FunctionRef value)
    {
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteStartArray("arguments");
        foreach (var argument in value.Arguments) JsonElements.WriteType(writer, argument);
        writer.WriteEndArray();
        JsonElements.WriteType(writer, "returns", value.Returns);
        if (value.IsVolatile) writer.WriteBoolean("volatile", true);
        writer.WriteEndObject();
    }

    internal static FunctionRef Read(JsonElement element) => new(
        JsonElements.Member(element, "name").GetString()!,
        JsonElements.Member(element, "arguments").EnumerateArray().Select(JsonElements.Type).ToArray(),
        JsonElements.Type(JsonElements.Member(element, "returns")),
        element.TryGetProperty("volatile", out var isVolatile) && isVolatile.GetBoolean());
}
