using System.Globalization;
using System.Text.Json.Nodes;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using ArrowField = Apache.Arrow.Field;
using ArrowSchema = Apache.Arrow.Schema;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>
/// Our columns as an Iceberg schema (JSON, as the REST catalog and the manifests carry it), and
/// the Parquet field ids that tie the data files' columns to the table's schema. Ids are what
/// Iceberg readers resolve columns by, so the Parquet schema gets them from the table as the
/// catalog returned it (a catalog may renumber the fields of a table it creates).
/// </summary>
internal static class IcebergSchema
{
    private const string FieldIdKey = "PARQUET:field_id";

    /// <summary>The schema of a new table; ids numbered depth-first from 1 (the catalog may assign its own).</summary>
    public static JsonObject Of(Schema input, string table)
    {
        var next = 1;
        var fields = new JsonArray();
        foreach (var field in input.Fields.Where(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName))
        {
            fields.Add(FieldJson(field, ref next, table));
        }
        return new JsonObject { ["type"] = "struct", ["schema-id"] = 0, ["fields"] = fields };
    }

    private static JsonObject FieldJson(Field field, ref int next, string table)
    {
        var id = next++;
        return new JsonObject
        {
            ["id"] = id,
            ["name"] = field.Name,
            ["required"] = !field.Nullable,
            ["type"] = TypeJson(field.Type, field.Name, ref next, table),
        };
    }

    /// <summary>The Iceberg primitive type of <paramref name="type"/>, or null when it is not one Iceberg has (lists and structs are nested types).</summary>
    public static string? PrimitiveType(DataType type) => type.Kind switch
    {
        TypeKind.Boolean => "boolean",
        TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.UInt8 or TypeKind.UInt16 => "int",
        TypeKind.Int64 or TypeKind.UInt32 => "long",
        TypeKind.Float32 => "float",
        TypeKind.Float64 => "double",
        TypeKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"decimal({type.Precision}, {type.Scale})"),
        TypeKind.Utf8 => "string",
        TypeKind.Binary => "binary",
        // Iceberg v2 timestamps are microseconds; the data files store them so.
        TypeKind.Timestamp => "timestamp",
        TypeKind.Date => "date",
        _ => null,
    };

    private static JsonNode TypeJson(DataType type, string name, ref int next, string table)
    {
        if (PrimitiveType(type) is { } primitive) return primitive;
        switch (type.Kind)
        {
            case TypeKind.List:
            {
                var elementId = next++;
                return new JsonObject
                {
                    ["type"] = "list",
                    ["element-id"] = elementId,
                    ["element"] = TypeJson(type.Element!, name, ref next, table),
                    ["element-required"] = false,
                };
            }
            case TypeKind.Struct:
            {
                var fields = new JsonArray();
                // Ids of a struct's fields come after the struct's own, in order.
                foreach (var child in type.Fields) fields.Add(FieldJson(child, ref next, table));
                return new JsonObject { ["type"] = "struct", ["fields"] = fields };
            }
            default:
                throw new UserException(
                    $"column '{name}' of table '{table}' has type {type}, which an Iceberg table cannot hold",
                    hint: "cast it to TEXT, BIGINT or DOUBLE in the query");
        }
    }

    /// <summary>
    /// <paramref name="schema"/> with every field's id taken from the table's schema by name.
    /// </summary>
    /// <exception cref="UserException">A column the query writes is not in the table.</exception>
    public static ArrowSchema WithFieldIds(ArrowSchema schema, JsonObject tableSchema, string table)
    {
        var builder = new ArrowSchema.Builder();
        var fields = (JsonArray)tableSchema["fields"]!;
        foreach (var field in schema.FieldsList) builder.Field(WithId(field, fields, table, field.Name));
        return builder.Build();
    }

    private static ArrowField WithId(ArrowField field, JsonArray tableFields, string table, string path)
    {
        var match = tableFields.OfType<JsonObject>().FirstOrDefault(f => string.Equals((string?)f["name"], field.Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new UserException(
                $"column '{path}' is not in the Iceberg table '{table}' (its columns: {string.Join(", ", tableFields.OfType<JsonObject>().Select(f => (string?)f["name"]))})",
                hint: "write the table's columns, or drop the table in the catalog so that it is created with the query's schema");
        var id = (int)match["id"]!;
        var type = WithIds(field.DataType, match["type"]!, table, path);
        return new ArrowField(field.Name, type, field.IsNullable, [new KeyValuePair<string, string>(FieldIdKey, id.ToString(CultureInfo.InvariantCulture))]);
    }

    private static Apache.Arrow.Types.IArrowType WithIds(Apache.Arrow.Types.IArrowType type, JsonNode tableType, string table, string path)
    {
        switch (type)
        {
            case Apache.Arrow.Types.StructType s when tableType is JsonObject { } o && (string?)o["type"] == "struct":
                var children = (JsonArray)o["fields"]!;
                return new Apache.Arrow.Types.StructType(s.Fields.Select(f => WithId(f, children, table, path + "." + f.Name)).ToList());
            case Apache.Arrow.Types.ListType l when tableType is JsonObject { } o && (string?)o["type"] == "list":
                var elementId = ((int)o["element-id"]!).ToString(CultureInfo.InvariantCulture);
                var element = WithIds(l.ValueDataType, o["element"]!, table, path + ".element");
                return new Apache.Arrow.Types.ListType(new ArrowField(l.ValueField.Name, element, l.ValueField.IsNullable,
                    [new KeyValuePair<string, string>(FieldIdKey, elementId)]));
            case Apache.Arrow.Types.StructType or Apache.Arrow.Types.ListType:
                throw new UserException($"column '{path}' has type {type.Name} in the query but {tableType.ToJsonString()} in the Iceberg table '{table}'");
            default:
                return type;
        }
    }
}
