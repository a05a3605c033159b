using System.Text.Json.Nodes;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Filesystem.Delta;

/// <summary>A table's columns as a Delta schema (the JSON of the protocol's struct type, kept as a string in the metaData action).</summary>
internal static class DeltaSchema
{
    public static string Of(Schema input, string table)
    {
        var fields = new JsonArray();
        foreach (var field in input.Fields)
        {
            if (field.Name is Schema.TimestampFieldName or Schema.RetractFieldName) continue;
            fields.Add(Field(field, table));
        }
        return new JsonObject { ["type"] = "struct", ["fields"] = fields }.ToJsonString();
    }

    private static JsonObject Field(Field field, string table) => new()
    {
        ["name"] = field.Name,
        ["type"] = TypeOf(field.Type, field.Name, table),
        ["nullable"] = field.Nullable,
        ["metadata"] = new JsonObject(),
    };

    private static JsonNode TypeOf(DataType type, string name, string table) => type.Kind switch
    {
        TypeKind.Boolean => "boolean",
        TypeKind.Int8 => "byte",
        TypeKind.Int16 or TypeKind.UInt8 => "short",
        TypeKind.Int32 or TypeKind.UInt16 => "integer",
        TypeKind.Int64 or TypeKind.UInt32 or TypeKind.UInt64 => "long",
        TypeKind.Float32 => "float",
        TypeKind.Float64 => "double",
        TypeKind.Decimal => $"decimal({type.Precision},{type.Scale})",
        TypeKind.Utf8 => "string",
        TypeKind.Binary => "binary",
        TypeKind.Timestamp => "timestamp",
        TypeKind.Date => "date",
        TypeKind.List => new JsonObject { ["type"] = "array", ["elementType"] = TypeOf(type.Element!, name, table), ["containsNull"] = true },
        TypeKind.Struct => new JsonObject
        {
            ["type"] = "struct",
            ["fields"] = new JsonArray(type.Fields.Select(f => (JsonNode)Field(f, table)).ToArray()),
        },
        _ => throw new UserException($"column '{name}' of the delta table '{table}' has type {type}, which Delta tables cannot hold",
            hint: "cast it in the query"),
    };
}
