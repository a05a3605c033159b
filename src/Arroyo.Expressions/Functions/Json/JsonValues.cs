using System.Text.Json;

namespace Arroyo.Expressions.Functions.Json;

internal static class JsonValues
{
    /// <summary>Parses one JSON value, or null when the text is not JSON (the functions then return NULL).</summary>
    public static JsonDocument? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = true });
            return JsonDocument.TryParseValue(ref reader, out var doc) ? doc : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Member <paramref name="key"/> (string) or element <paramref name="key"/> (long) of a JSON value.</summary>
    public static JsonElement? Get(JsonElement e, object key)
    {
        switch (key)
        {
            case string s when e.ValueKind == JsonValueKind.Object:
                return e.TryGetProperty(s, out var v) ? v : null;
            case long index when e.ValueKind == JsonValueKind.Array:
                var len = e.GetArrayLength();
                var idx = index < 0 ? len + index : index;
                return idx >= 0 && idx < len ? e[(int)idx] : null;
            default:
                return null;
        }
    }

    /// <summary>A value as text: strings unquoted, everything else its JSON text, JSON null as SQL NULL.</summary>
    public static string? AsText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null => null,
        _ => e.GetRawText(),
    };
}
