using Arroyo.Core.Errors;

namespace Arroyo.Sql.Ast;

/// <summary>Whether a TIMESTAMP/TIME type said WITH or WITHOUT TIME ZONE.</summary>
public enum TimeZoneSpec
{
    Unspecified,
    WithTimeZone,
    WithoutTimeZone,
}

/// <summary>
/// A SQL type as written; the binder maps it to a Core <c>DataType</c>.
/// </summary>
/// <param name="Name">
/// Lower-case canonical spelling of the base name, multi-word names joined by one space:
/// "bigint", "int", "double precision", "timestamp", "varchar", "decimal", "datetime" (any word is
/// accepted so the binder can report unknown types with a span). Arrays are "array" with
/// <see cref="ElementType"/> set (both <c>TEXT[]</c> and <c>ARRAY&lt;TEXT&gt;</c>); structs are
/// "struct" with <see cref="Fields"/> set.
/// </param>
/// <param name="Arguments">Numeric modifiers: <c>DECIMAL(10, 5)</c> gives [10, 5], <c>TIMESTAMP(6)</c> gives [6].</param>
/// <param name="Unsigned">True for MySQL-style <c>BIGINT UNSIGNED</c>.</param>
/// <param name="ElementType">Element type of an array, else null.</param>
/// <param name="Fields">Fields of a struct, else empty.</param>
/// <param name="TimeZone">WITH/WITHOUT TIME ZONE on timestamp and time types.</param>
public sealed record TypeName(
    string Name,
    IReadOnlyList<int> Arguments,
    bool Unsigned,
    TypeName? ElementType,
    IReadOnlyList<StructFieldType> Fields,
    TimeZoneSpec TimeZone,
    SourceSpan Span) : SqlNode(Span)
{
    public bool IsArray => ElementType is not null;

    public bool IsStruct => Name == "struct";

    public override string ToString()
    {
        if (ElementType is not null) return $"{ElementType}[]";
        if (IsStruct) return $"struct<{string.Join(", ", Fields.Select(f => $"{f.Name} {f.Type}"))}>";
        var text = Name;
        if (Arguments.Count > 0) text += $"({string.Join(", ", Arguments)})";
        if (Unsigned) text += " unsigned";
        if (TimeZone == TimeZoneSpec.WithTimeZone) text += " with time zone";
        return text;
    }
}

/// <summary>One <c>name TYPE</c> inside <c>STRUCT&lt;...&gt;</c>.</summary>
public sealed record StructFieldType(Identifier Name, TypeName Type, SourceSpan Span) : SqlNode(Span);
