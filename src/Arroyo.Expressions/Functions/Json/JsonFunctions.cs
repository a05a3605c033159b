using System.Text;
using System.Text.Json;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Functions.Json;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Arroyo's JSONPath functions (get_first_json_object, get_json_objects, extract_json,
/// extract_json_string) and datafusion-functions-json's key-path functions (json_get*, json_as_text,
/// json_length, json_contains). Invalid JSON or a missing path gives NULL.
/// </summary>
internal static class JsonFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("get_first_json_object", [TextOrJson, Text], DataType.Utf8, Path((doc, path) => path.First(doc.RootElement)?.GetRawText()));
        r.Add("get_json_objects", [TextOrJson, Text], DataType.List(DataType.Utf8), Path((doc, path) => All(doc, path).Select(e => (object?)e.GetRawText()).ToArray()));
        r.Alias("extract_json", "get_json_objects");
        r.Add("extract_json_string", [TextOrJson, Text], DataType.Utf8, Path((doc, path) =>
            path.First(doc.RootElement) is { ValueKind: JsonValueKind.String } e ? e.GetString() : null));

        KeyPath(r, "json_get", DataType.Json, e => e.GetRawText());
        KeyPath(r, "json_get_json", DataType.Json, e => e.GetRawText());
        KeyPath(r, "json_get_str", DataType.Utf8, e => e.ValueKind == JsonValueKind.String ? e.GetString() : null);
        KeyPath(r, "json_get_int", DataType.Int64, e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : null);
        KeyPath(r, "json_get_float", DataType.Float64, e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null);
        KeyPath(r, "json_get_bool", DataType.Boolean, e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null);
        KeyPath(r, "json_as_text", DataType.Utf8, JsonValues.AsText);
        KeyPath(r, "json_length", DataType.Int64, e => e.ValueKind switch
        {
            JsonValueKind.Array => (long)e.GetArrayLength(),
            JsonValueKind.Object => (long)e.EnumerateObject().Count(),
            _ => null,
        });
        KeyPath(r, "json_object_keys", DataType.List(DataType.Utf8), e => e.ValueKind == JsonValueKind.Object
            ? e.EnumerateObject().Select(p => (object?)p.Name).ToArray()
            : null);
        r.AddCustom("json_contains", "json_contains(JSON, key, ...)", KeyBinder("json_contains", DataType.Boolean), Fn.Rows(a =>
        {
            using var doc = a[0] is string s ? JsonValues.TryParse(Encoding.UTF8.GetBytes(s)) : null;
            return doc is null ? null : Navigate(doc.RootElement, a) is not null;
        }, nullsIn: true));
    }

    private static IEnumerable<JsonElement> All(JsonDocument doc, JsonPath path)
    {
        var list = new List<JsonElement>();
        path.Select(doc.RootElement, list);
        return list;
    }

    /// <summary>(json, constant-or-not path) → value, with the path parsed once when constant.</summary>
    private static ScalarKernelFactory Path(Func<JsonDocument, JsonPath, object?> f) => Fn.Rows(bound =>
    {
        var constant = Fn.Const(bound, 1) is string p ? JsonPath.Parse(p) : null;
        return a =>
        {
            using var doc = JsonValues.TryParse(Encoding.UTF8.GetBytes((string)a[0]!));
            if (doc is null) return null;
            return f(doc, constant ?? JsonPath.Parse((string)a[1]!));
        };
    });

    private static void KeyPath(FunctionRegistry r, string name, DataType ret, Func<JsonElement, object?> f) =>
        r.AddCustom(name, $"{name}(JSON, key, ...)", KeyBinder(name, ret), Fn.Rows(a =>
        {
            if (a[0] is not string s) return null;
            using var doc = JsonValues.TryParse(Encoding.UTF8.GetBytes(s));
            if (doc is null) return null;
            return Navigate(doc.RootElement, a) is { } e ? f(e) : null;
        }, nullsIn: true));

    private static JsonElement? Navigate(JsonElement root, object?[] a)
    {
        JsonElement? current = root;
        for (var i = 1; i < a.Length && current is not null; i++)
        {
            if (a[i] is null) return null;
            current = JsonValues.Get(current.Value, a[i]!);
        }
        return current;
    }

    /// <summary>The first argument is TEXT/JSON; each key is TEXT (member) or an integer (array index, as BIGINT).</summary>
    private static FunctionRegistry.CustomBinder KeyBinder(string name, DataType ret) => (args, span) =>
    {
        if (args.Count == 0 || args[0].Type.Kind is not (TypeKind.Utf8 or TypeKind.Null))
        {
            throw new UserException($"function '{name}' expects JSON text first, then keys; accepted: {name}(JSON, key, ...)", span);
        }
        var cast = new BoundExpr[args.Count];
        cast[0] = Coercion.CastTo(args[0], DataType.Utf8);
        for (var i = 1; i < args.Count; i++)
        {
            var t = args[i].Type;
            cast[i] = t.IsInteger ? Coercion.CastTo(args[i], DataType.Int64)
                : t.Kind is TypeKind.Utf8 or TypeKind.Null ? Coercion.CastTo(args[i], DataType.Utf8)
                : throw new UserException($"function '{name}': keys must be text or integers, got {t}", args[i].Span.IsKnown ? args[i].Span : span);
        }
        return (cast, ret);
    };
}
