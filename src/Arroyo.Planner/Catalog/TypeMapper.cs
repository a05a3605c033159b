using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Sql.Ast;

namespace Arroyo.Planner.Catalog;

/// <summary>Maps SQL type names as written (<see cref="TypeName"/>) to engine types, as Arroyo/DataFusion do.</summary>
public static class TypeMapper
{
    public static DataType Map(TypeName type)
    {
        if (type.ElementType is not null) return DataType.List(Map(type.ElementType));
        if (type.IsStruct)
        {
            return DataType.Struct(type.Fields.Select(f => new Field(f.Name.Value, Map(f.Type))).ToArray());
        }
        var unsigned = type.Unsigned || type.Name.EndsWith(" unsigned", StringComparison.Ordinal);
        var name = type.Name.Replace(" unsigned", "", StringComparison.Ordinal);
        DataType? result = name switch
        {
            "bigint" or "int8" or "long" => unsigned ? DataType.UInt64 : DataType.Int64,
            "int" or "integer" or "int4" or "mediumint" => unsigned ? DataType.UInt32 : DataType.Int32,
            "smallint" or "int2" => unsigned ? DataType.UInt16 : DataType.Int16,
            "tinyint" => unsigned ? DataType.UInt8 : DataType.Int8,
            "text" or "varchar" or "string" or "char" or "character" or "character varying" or "nvarchar" => DataType.Utf8,
            "double" or "double precision" or "float8" => DataType.Float64,
            "float" or "real" or "float4" => DataType.Float32,
            "boolean" or "bool" => DataType.Boolean,
            "decimal" or "numeric" or "dec" => DataType.Decimal(
                type.Arguments.Count > 0 ? type.Arguments[0] : 38,
                type.Arguments.Count > 1 ? type.Arguments[1] : type.Arguments.Count > 0 ? 0 : 10),
            "json" or "jsonb" => DataType.Json,
            "timestamp" or "datetime" or "timestamptz" => DataType.Timestamp,
            "date" => DataType.Date,
            "time" => DataType.Time,
            "interval" => DataType.Interval,
            "bytea" or "binary" or "varbinary" or "blob" or "bytes" => DataType.Binary,
            _ => null,
        };
        return result ?? throw new UserException($"Unsupported SQL type {type}", type.Span);
    }
}
