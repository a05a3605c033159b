using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arroyo.Dataflow.Serialization;

/// <summary>A set of column indices as a sorted JSON array (sorted, so equal sets write equal text).</summary>
public sealed class IntSetJsonConverter : JsonConverter<IReadOnlySet<int>>
{
    public override IReadOnlySet<int> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of column indices");
        var set = new HashSet<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) set.Add(reader.GetInt32());
        return set;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlySet<int> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var index in value.Order()) writer.WriteNumberValue(index);
        writer.WriteEndArray();
    }
}
