using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Connectors.Filesystem.Iceberg;

/// <summary>The partition transforms of the Iceberg spec.</summary>
public enum IcebergTransform
{
    Identity,
    Bucket,
    Truncate,
    Year,
    Month,
    Day,
    Hour,
    Void,
}

/// <summary>
/// One field of an Iceberg partition spec, as <c>PARTITIONED BY</c> declares it: a transform
/// of a column (with its bucket count or truncation width). Its name is the reference's
/// (<c>count_bucket_4</c>, <c>ts_hour</c>).
/// </summary>
public sealed record IcebergPartitionField(string Column, IcebergTransform Transform, int Argument = 0)
{
    [JsonIgnore]
    public string Name => $"{Column}_{Transform switch
    {
        IcebergTransform.Bucket => $"bucket_{Argument}",
        IcebergTransform.Truncate => $"truncate_{Argument}",
        _ => Transform.ToString().ToLowerInvariant(),
    }}";

    /// <summary>The transform as table metadata writes it: <c>bucket[4]</c>, <c>hour</c>.</summary>
    [JsonIgnore]
    public string TransformText => Transform switch
    {
        IcebergTransform.Bucket => $"bucket[{Argument}]",
        IcebergTransform.Truncate => $"truncate[{Argument}]",
        _ => Transform.ToString().ToLowerInvariant(),
    };

    public override string ToString() =>
        Transform is IcebergTransform.Bucket or IcebergTransform.Truncate
            ? $"{Transform.ToString().ToLowerInvariant()}({Column}, {Argument})"
            : $"{Transform.ToString().ToLowerInvariant()}({Column})";
}

/// <summary>
/// Reads <c>PARTITIONED BY</c> as Iceberg transforms at planning time, checking each against
/// the spec's rules (which transform applies to which column type), and writes the spec as
/// the catalog and the manifests carry it.
/// </summary>
internal static class IcebergPartitioning
{
    /// <summary>The partition spec <paramref name="definition"/> declares, in order; empty when unpartitioned.</summary>
    public static IReadOnlyList<IcebergPartitionField> Read(Connectors.TableDefinition definition)
    {
        var fields = new List<IcebergPartitionField>();
        foreach (var expression in definition.PartitionedBy)
        {
            if (expression.Function is not { } function)
            {
                throw new UserException($"unexpected expression in PARTITIONED BY of table '{definition.Name}': iceberg partitions are transforms such as bucket(id, 16) or day(ts)",
                    expression.Span);
            }
            var transform = function.ToLowerInvariant() switch
            {
                "identity" => IcebergTransform.Identity,
                "bucket" => IcebergTransform.Bucket,
                "truncate" => IcebergTransform.Truncate,
                "year" => IcebergTransform.Year,
                "month" => IcebergTransform.Month,
                "day" => IcebergTransform.Day,
                "hour" => IcebergTransform.Hour,
                "void" => IcebergTransform.Void,
                _ => throw new UserException($"unsupported iceberg transform function '{function}' in PARTITIONED BY of table '{definition.Name}'",
                    expression.Span, hint: "the transforms are identity, bucket, truncate, year, month, day, hour and void"),
            };
            var takesWidth = transform is IcebergTransform.Bucket or IcebergTransform.Truncate;
            var expected = takesWidth ? 2 : 1;
            if (expression.Arguments.Count != expected)
            {
                throw new UserException($"iceberg PARTITIONED BY function '{function}' expects {expected} argument(s): {(takesWidth ? $"{function}(column, n)" : $"{function}(column)")}",
                    expression.Span);
            }
            var columnArgument = expression.Arguments[0];
            if (columnArgument.Column is not { } columnName)
            {
                throw new UserException($"expected a column name as the first argument of '{function}' in PARTITIONED BY", columnArgument.Span);
            }
            var column = definition.Columns.FirstOrDefault(c => string.Equals(c.Name, columnName, StringComparison.OrdinalIgnoreCase))
                ?? throw new UserException($"partition column '{columnName}' is not a column of table '{definition.Name}'", columnArgument.Span);
            var argument = 0;
            if (takesWidth)
            {
                var width = expression.Arguments[1];
                if (width.Integer is not { } n || n <= 0 || n > int.MaxValue)
                {
                    throw new UserException($"the second argument of '{function}' in PARTITIONED BY must be a positive integer", width.Span);
                }
                argument = (int)n;
            }
            Check(transform, column, definition.Name, expression.Span);
            fields.Add(new IcebergPartitionField(column.Name, transform, argument));
        }
        var duplicate = fields.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UserException($"PARTITIONED BY of table '{definition.Name}' names the partition {duplicate.First()} twice", definition.PartitionedBy[0].Span);
        }
        return fields;
    }

    /// <summary>Refuses a transform the spec does not define for the column's type.</summary>
    private static void Check(IcebergTransform transform, Field column, string table, SourceSpan span)
    {
        var kind = column.Type.Kind;
        var integer = kind is TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.UInt8 or TypeKind.UInt16 or TypeKind.Int64 or TypeKind.UInt32;
        var primitive = integer || kind is TypeKind.Boolean or TypeKind.Float32 or TypeKind.Float64 or TypeKind.Utf8 or TypeKind.Binary
            or TypeKind.Timestamp or TypeKind.Date;
        var ok = transform switch
        {
            IcebergTransform.Identity or IcebergTransform.Void => primitive,
            IcebergTransform.Bucket => integer || kind is TypeKind.Utf8 or TypeKind.Binary or TypeKind.Timestamp or TypeKind.Date,
            IcebergTransform.Truncate => integer || kind is TypeKind.Utf8 or TypeKind.Binary,
            IcebergTransform.Year or IcebergTransform.Month or IcebergTransform.Day => kind is TypeKind.Timestamp or TypeKind.Date,
            IcebergTransform.Hour => kind is TypeKind.Timestamp,
            _ => false,
        };
        if (!ok)
        {
            throw new UserException($"iceberg transform {transform.ToString().ToLowerInvariant()} cannot partition column '{column.Name}' of type {column.Type} (table '{table}')",
                span, hint: TransformHint(transform));
        }
    }

    private static string TransformHint(IcebergTransform transform) => transform switch
    {
        IcebergTransform.Bucket => "bucket takes integer, string, binary, date and timestamp columns",
        IcebergTransform.Truncate => "truncate takes integer, string and binary columns",
        IcebergTransform.Hour => "hour takes timestamp columns",
        IcebergTransform.Year or IcebergTransform.Month or IcebergTransform.Day => "year, month and day take date and timestamp columns",
        _ => "identity and void take columns of a primitive type (not decimal, list or struct)",
    };

    /// <summary>The Iceberg type of a partition value: an int for buckets and time units, a date for days, else the column's own.</summary>
    public static string ResultType(IcebergPartitionField field, DataType source) => field.Transform switch
    {
        IcebergTransform.Bucket or IcebergTransform.Year or IcebergTransform.Month or IcebergTransform.Hour => "int",
        IcebergTransform.Day => "date",
        _ => SourceType(source),
    };

    /// <summary>The Iceberg type of a column a partition field can be built on (see <see cref="Check"/>).</summary>
    public static string SourceType(DataType type) =>
        IcebergSchema.PrimitiveType(type) ?? throw new InvalidOperationException($"type {type} is not a partition source; Check should have refused it");

    /// <summary>The spec for a new table: source ids from <paramref name="schema"/> (ours, which the catalog renumbers by name), field ids from 1000 as the spec's.</summary>
    public static JsonObject SpecJson(IReadOnlyList<IcebergPartitionField> fields, JsonObject schema)
    {
        var array = new JsonArray();
        for (var i = 0; i < fields.Count; i++)
        {
            array.Add(new JsonObject
            {
                ["source-id"] = SourceId(schema, fields[i].Column),
                ["field-id"] = 1000 + i,
                ["name"] = fields[i].Name,
                ["transform"] = fields[i].TransformText,
            });
        }
        return new JsonObject { ["spec-id"] = 0, ["fields"] = array };
    }

    private static int SourceId(JsonObject schema, string column) =>
        ((JsonArray)schema["fields"]!).OfType<JsonObject>()
            .Where(f => string.Equals((string?)f["name"], column, StringComparison.OrdinalIgnoreCase))
            .Select(f => (int)f["id"]!)
            .FirstOrDefault(-1);

    /// <summary>
    /// The table's partition fields in declared order (their ids and names as the catalog keeps
    /// them), checked against <paramref name="declared"/>: the same transforms of the same columns.
    /// </summary>
    /// <exception cref="UserException">The table is partitioned differently from the query's PARTITIONED BY.</exception>
    public static IReadOnlyList<(int FieldId, string Name)> Match(
        IReadOnlyList<IcebergPartitionField> declared, JsonObject spec, JsonObject tableSchema, string table)
    {
        var names = ((JsonArray)tableSchema["fields"]!).OfType<JsonObject>().ToDictionary(f => (int)f["id"]!, f => (string?)f["name"] ?? "");
        var fields = (spec["fields"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var actual = fields
            .Select(f => (Column: names.GetValueOrDefault((int?)f["source-id"] ?? -1, "?"), Transform: ((string?)f["transform"] ?? "").ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)))
            .ToList();
        var wanted = declared.Select(f => (Column: f.Column, Transform: f.TransformText)).ToList();
        var same = actual.Count == wanted.Count &&
            actual.Zip(wanted).All(p => string.Equals(p.First.Column, p.Second.Column, StringComparison.OrdinalIgnoreCase) && p.First.Transform == p.Second.Transform);
        if (!same)
        {
            static string Text(IEnumerable<(string Column, string Transform)> fields) =>
                fields.Any() ? string.Join(", ", fields.Select(f => $"{f.Transform}({f.Column})")) : "nothing (unpartitioned)";
            throw new UserException(
                $"the Iceberg table {table} is partitioned by {Text(actual)}, but the query's PARTITIONED BY says {Text(wanted)}",
                hint: "declare the table's partitioning in PARTITIONED BY, or write to a new table");
        }
        return fields.Select(f => ((int)f["field-id"]!, (string?)f["name"] ?? "")).ToList();
    }
}
